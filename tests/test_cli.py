"""The top-level command: help, version, and the one-line error contract."""

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seqrdp", *args], capture_output=True, text=True, check=False
    )


def test_help_lists_commands_and_exits_zero():
    result = run("--help")
    assert result.returncode == 0
    assert "perception" in result.stdout


def test_unknown_command_is_one_line_and_exit_2():
    result = run("no-such-command")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
