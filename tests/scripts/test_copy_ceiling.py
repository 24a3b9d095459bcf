"""scripts/copy_ceiling.py: the ceiling of identity_first for a perfect copy of frame 1."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "copy_ceiling.py"
_spec = importlib.util.spec_from_file_location("copy_ceiling", SCRIPT)
copy_ceiling = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(copy_ceiling)


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def _dot_clip(path):
    """One clip (1, T, 1, 16, 16) of a 3x3 white square at the given top-left corners (its
    centre of mass is a whole pixel)."""
    video = torch.zeros(1, len(path), 1, 16, 16)
    for t, (r, c) in enumerate(path):
        video[0, t, 0, r : r + 3, c : c + 3] = 1.0
    return video


def test_a_copy_moved_like_the_source_lands_where_the_source_is():
    video = _dot_clip([(3, 4), (5, 7), (8, 9)])
    moved = copy_ceiling.moved_like_source(video[:, 0], video)
    assert torch.equal(moved, video)


def test_agreement_counts_clips_read_alike_after_the_move():
    # A "classifier" that reads the square's column: moving right changes what it reads.
    def column(frames):
        return frames.sum(dim=(2, 3)).argmax(dim=-1)

    moving = _dot_clip([(3, 4), (3, 4), (3, 6)])
    still = _dot_clip([(3, 4)] * 3)
    video = torch.cat([moving, still])
    assert copy_ceiling.agreement(column, video[:, 0], video) == [1.0, 1.0, 0.5]


def test_it_reports_the_copy_and_the_source_per_frame(tiny_checkpoint, tmp_path):
    clips = np.zeros((6, 3, 32, 32), np.uint8)
    for i in range(6):  # a bar moving one pixel a frame
        for t in range(3):
            clips[i, t, 8:20, 10 + i + t : 13 + i + t] = 255
    np.save(tmp_path / "clips.npy", clips)
    done = _run("--model", str(tiny_checkpoint), "--data", str(tmp_path / "clips.npy"),
                "--clips", "4", "--head", "fmd", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["clips"] == 4 and result["head"] == "fmd"
    for key in ("copy_identity_first", "source_identity_first"):
        assert len(result[key]) == 3 and result[key][0] == 1.0
        assert all(0.0 <= x <= 1.0 for x in result[key])


def test_bad_input_is_one_line_and_exit_code_2(tiny_checkpoint, tmp_path):
    np.save(tmp_path / "one.npy", np.zeros((2, 1, 32, 32), np.uint8))
    np.save(tmp_path / "two.npy", np.zeros((2, 2, 32, 32), np.uint8))
    for args in (["--data", str(tmp_path / "missing.npy")],
                 ["--data", str(tmp_path / "one.npy")],
                 ["--data", str(tmp_path / "two.npy"), "--head", "nope"],
                 ["--data", str(tmp_path / "two.npy"), "--clips", "0"]):  # fmt: skip
        done = _run("--model", str(tiny_checkpoint), *args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
