"""The learned codec against the exact bound: train vector codecs on the Gauss–Markov source
with the same loop as ``seqrdp train`` and compare each PLF, mode and frame with the calculator.

Grid: T = 3, rho = 0.9, rates (R1, R2, R3) in {(smallest, 1, 1), (1, 1, 1), (2, 0.5, 0.5)} bits
per sample, d = 64 samples per frame ("smallest" = one latent dimension, 1/64 bit per sample
at two quantiser levels). Per rate point: an MSE core, universal heads fmd/jd/sa on it, and one
end-to-end codec per PLF warm-started from it (seqrdp.evaluate.bound has the recipe and the
measurements). Prints, per PLF, mode and frame, the learned distortion, the learned perception
(squared W2 between Gaussian fits of the compared laws) and the calculator's distortion at that
perception; writes the figure (docs/bound.png by default).

    .venv/bin/python benchmarks/bench_bound.py                  # the grid, 2 worker processes
    .venv/bin/python benchmarks/bench_bound.py --json           # one JSON list of rows on stdout
    .venv/bin/python benchmarks/bench_bound.py --workers 1      # one process, one thread
    .venv/bin/python benchmarks/bench_bound.py --tiny --figure ""   # seconds: a smoke run
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Seconds, not minutes: the smoke run of the same grid (tests/evaluate/test_bound.py).
TINY = {
    "dims": 8,
    "width": 16,
    "critic_width": 16,
    "noise_dims": 8,
    "batch": 32,
    "mse_steps": 4,
    "iframe_steps": 2,
    "perception_steps": 4,
}
TINY_EVALUATION = 512


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON list of rows")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", help="keep the run directories here (default: temporary)")
    parser.add_argument("--figure", default="docs/bound.png", help='figure path ("": none)')
    parser.add_argument("--evaluation", type=int, help="fresh clips each codec decodes")
    parser.add_argument("--tiny", action="store_true", help="a seconds-long smoke run")
    args = parser.parse_args(argv)

    from seqrdp.evaluate import bound
    from seqrdp.plfs import PLFS
    from seqrdp.progress import progress

    recipe = TINY if args.tiny else {}
    evaluation = args.evaluation or (TINY_EVALUATION if args.tiny else bound.EVALUATION_CLIPS)
    jobs = len(bound.GRID) * (2 + len(PLFS))  # core, universal, end-to-end per PLF
    bar = progress(total=jobs, desc="bench_bound")
    try:
        result = bound.run_grid(
            bound.GRID, recipe, workers=args.workers, evaluation=evaluation, out=args.out,
            on_done=lambda job: (bar.set_postfix_str(job.name, refresh=False), bar.update(1)),
        )  # fmt: skip
    finally:
        bar.close()
    rows = result["rows"]
    if args.figure:
        bound.draw(rows, Path(args.figure))
    found = bound.findings(rows)
    summary = (
        f"grid: {len(result['jobs'])} runs, {result['wall_seconds']:.0f} s wall with "
        f"{args.workers} worker(s); {sum(result['jobs'].values()):.0f} CPU s in all; on 2 idle "
        f"cores (2 one-thread workers, from each run's CPU time): "
        f"{result['two_worker_minutes']:.1f} min"
    )
    if args.json:
        print(json.dumps(rows))
        print(summary, file=sys.stderr)
        return 0
    print(_table(rows))
    print()
    print(_findings(found))
    print()
    print(summary)
    return 0


def _fmt(value: float | None) -> str:
    return "inf" if value is None else f"{value:.4f}"


def _table(rows) -> str:
    lines = [
        f"{'rates':<18} {'plf':<4} {'mode':<10} {'frame':>5} {'D learned':>10} "
        f"{'P learned':>10} {'D calc':>8} {'ratio':>6}"
    ]
    for r in rows:
        rates = ", ".join(f"{x:.3g}" for x in r["rates"])
        lines.append(
            f"{rates:<18} {r['plf']:<4} {r['mode']:<10} {r['frame']:>5} "
            f"{r['learned_distortion']:>10.4f} {_fmt(r['learned_perception']):>10} "
            f"{r['calculator_distortion']:>8.4f} {r['ratio']:>6.2f}"
        )
    return "\n".join(lines)


def _findings(found) -> str:
    def rates(r) -> str:
        return "(" + ", ".join(f"{x:.3g}" for x in r["rates"]) + ")"

    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    out = []
    worst = max(found["distance"], key=lambda r: r["ratio"], default=None)
    if worst:
        met = all(r["met"] for r in found["distance"])
        out.append(
            f"distance to the bound (mse, fmd, universal): worst ratio {worst['ratio']:.2f} "
            f"({worst['plf']}, {rates(worst)}, frame {worst['frame']}); <= "
            f"{found['bound_ratio']} on every frame: {mark(met)}"
        )
    broken = [r for r in found["order"] if not r["met"]]
    out.append(
        f"order mse <= fmd <= jd: {mark(not broken)}"
        + "".join(
            f"; fails at {rates(r)} frame {r['frame']} ("
            + " / ".join(f"{v:.4f}" for v in r["distortion"])
            + (", fmd and jd: the same frame-1 problem)" if r["frame"] == 1 else ")")
            for r in broken
        )
    )
    for r in found["permanence"]:
        out.append(
            f"error permanence at {rates(r)}: jd D_2 = {r['jd_d2']:.3f}, calculator floor "
            f"{r['floor']:.3f}, >= 0.9 x floor: {mark(r['met'])}"
        )
    for r in found["fmd_recovers"]:
        out.append(f"fmd D_2 at {rates(r)} = {r['fmd_d2']:.3f} < 0.3: {mark(r['met'])}")
    out.append("universality (universal - end-to-end distortion; the calculator's gap is 0):")
    for r in found["universality"]:
        out.append(
            f"  {rates(r):<18} {r['plf']:<4} frame {r['frame']}: {r['universal']:.4f} - "
            f"{r['end_to_end']:.4f} = {r['gap']:+.4f}"
        )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
