"""scripts/train_models.sh: the whole zoo's chain runs on a tiny config, and resumes."""

import json
import os
import subprocess
import sys
from pathlib import Path

from seqrdp.codec.loading import load_codec

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train_models.sh"
RUNS = [
    "core-i4", "core-i16", "core-i64", "core-i4-p128", "mmnist-universal-i4-p64",
    "mmnist-universal-i16-p64", "mmnist-universal-i64-p64", "frame1-i4", "heads-i4-p128-jd",
    "heads-i4-p128-fmd-sa", "candidate-i4-p128",
]  # fmt: skip


def _run(runs: Path) -> None:
    env = {
        **os.environ, "TINY": "1", "SCALE": "1000", "SHIP": "0",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }  # fmt: skip
    done = subprocess.run(["bash", str(SCRIPT), str(runs)], env=env, capture_output=True,
                          text=True, timeout=1200)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_tiny_chain_trains_every_model_and_a_rerun_resumes_without_training(tmp_path):
    runs = tmp_path / "zoo"
    _run(runs)
    for name in RUNS:
        meta = json.loads((runs / name / "model.json").read_text())
        assert meta["complete"], name
    model, meta = load_codec(runs / "candidate-i4-p128")
    assert model.head_names == ("mse", "fmd", "jd", "sa")
    assert meta["frame_bits"] == [4, 128] and meta["steps"] == 0
    assert [p["name"] for p in meta["init"]["heads_init"]] == [
        "heads-i4-p128-jd",
        "heads-i4-p128-fmd-sa",
    ]
    before = {name: _state(runs / name) for name in RUNS}
    _run(runs)  # every run is complete: nothing is trained again
    assert {name: _state(runs / name) for name in RUNS} == before


def _state(run: Path) -> tuple[bytes, int, float]:
    meta = json.loads((run / "model.json").read_text())
    return (run / "model.safetensors").read_bytes(), meta["steps"], meta["training_seconds"]
