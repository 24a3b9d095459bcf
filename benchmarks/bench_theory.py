"""Speed of the Gauss–Markov calculator, the test-channel solver and the figure set.

Targets: T = 10, all PLFs, both modes < 1 s on one core; the figure set < 30 s.

    python benchmarks/bench_theory.py [--repeat N] [--json]
"""

from __future__ import annotations

import os

# One core: pin the BLAS pools before NumPy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from seqrdp.theory import GaussMarkovSource, rdp_table, solve_test_channels  # noqa: E402
from seqrdp.theory.plot import FIGURES  # noqa: E402

FRAMES = 10


def timed(work: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(repeat: int) -> list[dict]:
    source = GaussMarkovSource([0.9] * (FRAMES - 1))
    # At 0.3 bits/sample the MMSE reconstructions miss every finite budget below, so the jd and
    # sa steps go through the numeric solver (the slow path).
    rates = [0.3] * FRAMES
    settings = {
        "P = 0 (closed forms)": 0.0,
        "P = 0.02 every frame (sa numeric)": 0.02,
        "P_j = 0.01 j (jd and sa numeric)": [0.01 * j for j in range(1, FRAMES + 1)],
    }
    rows = []
    for name, budget in settings.items():
        seconds = timed(lambda budget=budget: rdp_table(source, rates, budget), repeat)
        rows.append({"task": f"calculator T={FRAMES}, 4 PLFs x 2 modes, {name}",
                     "seconds": seconds, "target_seconds": 1.0})  # fmt: skip
    small = GaussMarkovSource([0.9, 0.9])
    for mode in ("optimal", "universal"):
        seconds = timed(
            lambda mode=mode: [
                solve_test_channels(small, [0.05, 1.0, 1.0], 0.0, plf, mode)
                for plf in ("mse", "fmd", "jd", "sa")
            ],
            1,
        )
        rows.append({"task": f"solver T=3, 4 PLFs, {mode} mode, P = 0",
                     "seconds": seconds, "target_seconds": None})  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        total = 0.0
        for figure in FIGURES:
            seconds = timed(lambda figure=figure: figure.draw(Path(out) / figure.name), 1)
            total += seconds
            rows.append({"task": f"figure {figure.name}", "seconds": seconds,
                         "target_seconds": None})  # fmt: skip
        rows.append({"task": "figure set", "seconds": total, "target_seconds": 30.0})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per calculator timing")
    parser.add_argument("--json", action="store_true", help="print one JSON list")
    args = parser.parse_args()
    rows = measure(args.repeat)
    if args.json:
        print(json.dumps(rows))
        return
    width = max(len(r["task"]) for r in rows)
    print(f"{'task':<{width}}  {'seconds':>8}  target")
    for r in rows:
        target = "" if r["target_seconds"] is None else f"< {r['target_seconds']:g} s"
        print(f"{r['task']:<{width}}  {r['seconds']:8.3f}  {target}")


if __name__ == "__main__":
    main()
