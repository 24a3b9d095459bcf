"""`seqrdp data`: files written as described, `--json` parses, bad input is one line + exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from seqrdp.cli import main
from seqrdp.data.arrays import load_videoset


def run(capsys, command: str) -> tuple[int, str, str]:
    """Call the CLI in-process on a space-separated command line (paths without spaces)."""
    code = main(command.split())
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_moving_mnist_writes_the_requested_file_and_describes_it(tmp_path, capsys):
    out = tmp_path / "mm" / "train.npy"
    code, stdout, _ = run(
        capsys,
        f"data moving-mnist --out {out} --sequences 6 --frames 4 --size 40 --digits 2 "
        "--seed 3 --json",
    )
    assert code == 0
    summary = json.loads(stdout)
    data = load_videoset(out)
    assert data.videos.shape == (6, 4, 40, 40) == tuple(summary["shape"])
    assert data.labels.shape == (6, 2)
    assert summary["sidecar"] == str(out.with_suffix(".json"))
    assert summary["meta"]["seed"] == 3 and summary["meta"]["split"] == "train"
    assert sum(summary["labels"]["counts"].values()) == 12
    assert summary["range"]["max"] == data.videos.max()


def test_same_flags_write_identical_files(tmp_path, capsys):
    for name in ("a.npy", "b.npy"):
        command = f"data moving-mnist --out {tmp_path / name} --sequences 3 --frames 3 --seed 9"
        assert run(capsys, command)[0] == 0
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()


def test_info_json_matches_what_was_written(tmp_path, capsys):
    out = tmp_path / "set.npy"
    _, written, _ = run(capsys, f"data moving-mnist --out {out} --sequences 2 --frames 3 --json")
    code, described, _ = run(capsys, f"data info {out} --json")
    assert code == 0
    assert json.loads(described) == json.loads(written)


def test_info_text_names_shape_labels_and_meta(tmp_path, capsys):
    out = tmp_path / "set.npy"
    run(capsys, f"data moving-mnist --out {out} --sequences 2 --frames 3")
    code, text, _ = run(capsys, f"data info {out}")
    assert code == 0
    assert "2 x 3 frames of 64x64 grey" in text
    assert "labels: shape (2, 1)" in text and "dataset: moving_mnist" in text


def test_info_describes_a_bare_video_file(tmp_path, capsys):
    from seqrdp.data.video import write_video

    write_video(tmp_path / "clip.avi", np.full((5, 16, 16), 90, np.uint8))
    code, stdout, _ = run(capsys, f"data info {tmp_path / 'clip.avi'} --json")
    summary = json.loads(stdout)
    assert code == 0 and summary["sequences"] == 1 and summary["frames"] == 5
    assert summary["labels"] is None and summary["sidecar"] is None


def test_kth_writes_labelled_clips(kth_tree, tmp_path, capsys):
    out = tmp_path / "kth.npy"
    code, stdout, _ = run(
        capsys,
        f"data kth --root {kth_tree.root} --out {out} --split test --frames 10 --stride 2 "
        "--size 32 --json",
    )
    assert code == 0
    summary = json.loads(stdout)
    # 2 test persons × 3 actions, 30 frames each: clips start at 0, 2, ..., 20.
    assert summary["shape"] == [66, 10, 32, 32]
    assert summary["labels"]["counts"] == {"boxing": 22, "running": 22, "walking": 22}
    assert summary["meta"]["persons"] == list(range(17, 26))
    assert summary["meta"]["clips"] == "<66 entries>"  # long lists are abbreviated
    assert len(load_videoset(out).meta["clips"]) == 66


@pytest.mark.parametrize(
    "command",
    [
        "moving-mnist --out {tmp}/x.bin --sequences 2 --frames 2",
        "moving-mnist --out {tmp}/x.npy --sequences 0 --frames 2",
        "moving-mnist --out {tmp}/x.npy --sequences 2 --frames 2 --size 9",
        "moving-mnist --out {tmp}/x.npy --sequences 2 --frames 2 --mnist-dir {tmp}",
        "moving-mnist --out {tmp} --sequences 2 --frames 2",
        "kth --root {tmp}/none --out {tmp}/x.npy",
        "kth --root {tmp} --out {tmp}/x.npy",
        "info {tmp}/absent.npy",
        "info {tmp}/corrupt.npy",
        "info {tmp}/corrupt.mp4",
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, command):
    (tmp_path / "corrupt.npy").write_bytes(b"not an array")
    (tmp_path / "corrupt.mp4").write_bytes(b"not a video" * 9)
    before = sorted(tmp_path.iterdir())
    code, stdout, stderr = run(capsys, "data " + command.format(tmp=tmp_path))
    assert code == 2
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("seqrdp data: error:")
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "command",
    [
        "moving-mnist --out x.npy --sequences many --frames 2",
        "kth --root . --out x.npy --split validation",
        "",
    ],
)
def test_malformed_flags_exit_2_with_one_line(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", *command.split()])
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_installed_command_reports_bad_file_without_traceback(tmp_path):
    absent = tmp_path / "absent.npy"
    result = subprocess.run(
        [sys.executable, "-m", "seqrdp", "data", "info", str(absent)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"seqrdp data: error: {absent} does not exist"


def test_data_help_lists_the_subcommands():
    result = subprocess.run(
        [sys.executable, "-m", "seqrdp", "data", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for name in ("moving-mnist", "kth", "info"):
        assert name in result.stdout
