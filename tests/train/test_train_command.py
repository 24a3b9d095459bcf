"""`seqrdp train`: help that explains modes and rates, one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest


def main(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI in this process (same code as the console script, minus interpreter start)."""
    from seqrdp.cli import main as cli

    try:
        code = cli(["train", *args])
    except SystemExit as exc:  # argparse: --help and parse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_help_explains_modes_and_rates(capsys):
    code, out, _ = main(capsys, "--help")
    assert code == 0
    for words in ("universal", "end-to-end", "--iframe-bits", "--pframe-bits", "--motion-bits",
                  "--levels", "log2", "continues from the last checkpoint"):  # fmt: skip
        assert words in out, words
    code, out, _ = main(capsys, "universal", "--help")
    assert code == 0
    assert "--lambda-perc" in out and "--heads" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["universal", "--no-such-flag"], "--no-such-flag"),
        (["universal", "--iframe-bits", "five"], "--iframe-bits"),
        (["universal", "--iframe-bits", "5", "--out", "x"], "iframe_bits 5"),
        (["end-to-end"], "--plf"),
        (["end-to-end", "--plf", "mse"], "--plf"),
        (["universal", "--config", "missing.yaml"], "missing.yaml"),
        (["universal", "--data", "nowhere.npy", "--out", "x"], "nowhere.npy"),
        ([], "MODE"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, needle, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = main(capsys, *args)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert needle in lines[0]


def test_a_tiny_run_prints_its_metadata_as_json(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "seqrdp", "train",
        "end-to-end", "--plf", "sa", "--data", "squares", "--size", "16", "--width", "4",
        "--critic-width", "4", "--batch", "2", "--mse-steps", "1", "--perception-steps", "1",
        "--n-critic", "1", "--validation", "2", "--threads", "1", "--no-tensorboard",
        "--out", str(tmp_path / "run"), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    meta = json.loads(result.stdout)
    assert meta["mode"] == "end-to-end" and meta["plf"] == "sa" and meta["steps"] == 2
