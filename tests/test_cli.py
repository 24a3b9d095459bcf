"""The top-level command: help, version, and the one-line error contract."""

import re
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seqrdp", *args], capture_output=True, text=True, check=False
    )


COMMANDS = {"theory", "data", "train", "evaluate", "encode", "decode", "models", "demo"}


def test_help_lists_every_command_with_its_summary_and_exits_zero():
    result = run("--help")
    assert result.returncode == 0
    # argparse lists each subcommand as "    NAME   help text" (continuations indent further).
    listed = re.findall(r"^ {4}(\S+) +\S", result.stdout, flags=re.MULTILINE)
    assert sorted(listed) == sorted(COMMANDS)


def test_every_command_is_registered_by_the_parser():
    import argparse

    from seqrdp.cli import build_parser

    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == COMMANDS


def test_unknown_command_is_one_line_and_exit_2():
    result = run("no-such-command")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
