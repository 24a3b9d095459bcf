"""Copy trained universal codecs into the package and record their metrics.

The last step of ``scripts/train_models.sh``:

    .venv/bin/python scripts/ship_models.py [RUNS]      (default RUNS=runs/zoo)

For each ``RUNS/mmnist-universal-i{4,16,64}-p64`` run it writes
``src/seqrdp/models/NAME.safetensors`` (the latest checkpoint's weights, byte for byte) and
``NAME.json`` (the run's metadata plus ``metrics.evaluation``: per-frame MSE and digit
identities of every head on the fixed set of :mod:`seqrdp.evaluate.record`, which the test suite
recomputes), and prints the model's identity (:func:`seqrdp.codec.loading.model_hash`, what a
stream's header stores); the name and the metrics do not change it. When the
end-to-end runs ``RUNS/mmnist-e2e-{plf}-i4-p64`` exist, the low-rate model also records
``universality``: each universal head's MSE against the end-to-end codec of its PLF, both trained
for the same number of perception steps from the same core.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch

from seqrdp.codec.loading import load_codec, model_paths, read_info
from seqrdp.codec.metadata import total_training_seconds
from seqrdp.evaluate.record import recorded_metrics, universality_rows
from seqrdp.plfs import PLFS

MODELS = Path(__file__).resolve().parents[1] / "src/seqrdp/models"
RATES = (4, 16, 64)
LOW_RATE = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", default="runs/zoo", help="run directories' parent")
    runs = Path(parser.parse_args().runs)
    torch.set_num_threads(1)
    for rate in RATES:
        name = f"mmnist-universal-i{rate}-p64"
        run = read_info(runs / name)
        model, meta = run.load(), run.meta
        meta["name"] = name
        meta["metrics"]["evaluation"] = recorded_metrics(model)
        if rate == LOW_RATE:
            _add_universality(runs, meta)
        shutil.copyfile(run.weights, MODELS / f"{name}.safetensors")
        (MODELS / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")
        print(f"shipped {name}: {meta['steps']} steps, "
              f"{total_training_seconds(meta) / 60:.0f} min of training in all, "
              f"identity {run.weights_hash.hex()}")  # fmt: skip


def _add_universality(runs: Path, meta: dict) -> None:
    end_to_end, sources = {}, {}
    for plf in PLFS:
        run = runs / f"mmnist-e2e-{plf}-i{LOW_RATE}-p64"
        if not run.is_dir() or not model_paths(run)[1].exists():
            continue
        model, e2e_meta = load_codec(run)
        end_to_end[plf] = recorded_metrics(model)
        sources[plf] = {
            "run": run.name,
            "steps": e2e_meta["steps"],
            "total_training_seconds": total_training_seconds(e2e_meta),
            "evaluation": end_to_end[plf],
        }
    if end_to_end:
        # Both after the same number of perception steps from the same core.
        meta["universality"] = universality_rows(meta["metrics"]["evaluation"], end_to_end)
        meta["end_to_end"] = sources


if __name__ == "__main__":
    main()
