"""scripts/history_alignment.py: the numbers behind docs/codec.md's table, on a tiny codec."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "history_alignment.py"


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def test_it_reports_every_move_and_frame_2_edges_computed_from_the_file(tiny_checkpoint, tmp_path):
    rng = np.random.default_rng(0)
    clips = (rng.random((6, 3, 32, 32)) * 255).astype(np.uint8)
    np.save(tmp_path / "clips.npy", clips)
    done = _run("--model", str(tiny_checkpoint), "--data", str(tmp_path / "clips.npy"),
                "--clips", "4", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["clips"] == 4 and set(result["moved"]) == {"field", "flow", "centre"}
    second = clips[:4, 1].astype(np.float64) / 255
    assert np.isclose(result["frame2_edge_energy"], np.mean(np.diff(second, axis=-1) ** 2))
    assert 0 <= result["field_scale_mean"] <= 1
    for row in result["moved"].values():
        assert row["mse"] >= 0 and row["edge_energy"] >= 0


def test_bad_input_is_one_line_and_exit_code_2(tiny_checkpoint, tmp_path):
    np.save(tmp_path / "one.npy", np.zeros((2, 1, 32, 32), np.uint8))
    for args in (["--data", str(tmp_path / "missing.npy")],
                 ["--data", str(tmp_path / "one.npy")],
                 ["--data", str(tmp_path / "one.npy"), "--clips", "0"]):  # fmt: skip
        done = _run("--model", str(tiny_checkpoint), *args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
