"""Training speed: steps per second of each stage of ``seqrdp train`` at the default settings.

Runs a short real training (the same loop as ``seqrdp train``) in a temporary directory, with
checkpoints and validation switched off, and reports each stage's steps/s and the time the
default schedule would take at that speed.

    .venv/bin/python benchmarks/bench_train.py                 # universal, default config
    .venv/bin/python benchmarks/bench_train.py --mode end-to-end --plf jd --steps 5 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from seqrdp.plfs import JD, PLFS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="universal", choices=("universal", "end-to-end"))
    parser.add_argument("--plf", default=JD, choices=PLFS, help=f"end-to-end head (default {JD})")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per stage")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    parser.add_argument("--data", default="moving-mnist")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--size", type=int)
    parser.add_argument("--frames", type=int)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    import torch

    from seqrdp.train.config import build_config, default_config
    from seqrdp.train.loop import train

    defaults = default_config()
    overrides = {
        "data": args.data,
        "mse_steps": args.steps,
        "perception_steps": args.steps,
        "checkpoint_every": 10**9,
        "validation": 0,
        "tensorboard": False,
        "threads": args.threads,
        "device": args.device,
        "batch": args.batch,
        "size": args.size,
        "frames": args.frames,
    }
    plf = args.plf if args.mode == "end-to-end" else None
    config = build_config(args.mode, plf=plf, overrides=overrides)
    with tempfile.TemporaryDirectory() as out:
        _, meta = train(config, os.path.join(out, "run"), progress=False)

    result = {
        "mode": args.mode,
        "plf": plf,
        "device": args.device,
        "threads": torch.get_num_threads(),
        "batch": config["batch"],
        "size": config["size"],
        "frames": config["frames"],
        "heads": config["heads"],
        "n_critic": config["n_critic"],
        "stages": {},
    }
    planned = {"mse": defaults["mse_steps"], "perception": defaults["perception_steps"]}
    for name, record in meta["stages"].items():
        rate = record["steps"] / record["seconds"]
        result["stages"][name] = {
            "steps": record["steps"],
            "seconds": round(record["seconds"], 3),
            "steps_per_s": round(rate, 4),
            "default_schedule_minutes": round(planned[name] / rate / 60, 1),
        }
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"{args.mode}{' ' + plf if plf else ''}: batch {config['batch']}, "
        f"{config['size']}x{config['size']}, T={config['frames']}, {result['threads']} threads"
    )
    for name, r in result["stages"].items():
        print(
            f"  {name:<11} {r['steps_per_s']:.3f} steps/s ({r['steps']} steps in "
            f"{r['seconds']:.1f} s); default {planned[name]} steps ≈ "
            f"{r['default_schedule_minutes']} min"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
