"""Speed of the Gauss–Markov calculator, the test-channel solver and the figure set.

Targets: T = 10, all PLFs, both modes < 1 s on one core; the figure set < 30 s; the sweep over
T: T = 1000 at P = 0 in ≤ 1 s beyond start-up, T = 200 at a finite budget in ≤ 10 s (all PLFs).

    python benchmarks/bench_theory.py [--repeat N] [--json]
    python benchmarks/bench_theory.py --sweep [--frames 10,40,80,200,1000] [--finite-frames
        10,40,80,200] [--json]

The sweep times ``rdp_table`` for one PLF and both modes (as ``seqrdp theory gm`` computes it)
on a unit stationary source, ρ = 0.9, 0.3 bits/sample per frame, at P = 0 and at two finite
budgets: P = 0.02 every frame (sa's numeric step at every frame, jd's continuation) and
P_j = 0.01 j (jd's numeric step at every frame). ``seconds`` is wall time and ``cpu_seconds``
this process's CPU time (the better measure on a shared machine); the CLI rows time
``seqrdp --version`` (start-up) and ``seqrdp theory gm`` at T = 1000, P = 0, in a subprocess.
"""

from __future__ import annotations

import os

# One core: pin the BLAS pools before NumPy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from seqrdp.plfs import HEADS  # noqa: E402
from seqrdp.theory import GaussMarkovSource, rdp_table, solve_test_channels  # noqa: E402
from seqrdp.theory.plot import FIGURES  # noqa: E402

FRAMES = 10
SWEEP_FRAMES = "10,40,80,200,1000"
FINITE_FRAMES = "10,40,80,200"
SWEEP_BUDGETS = {
    "P = 0": lambda t: 0.0,
    "P = 0.02": lambda t: 0.02,
    "P_j = 0.01 j": lambda t: [0.01 * j for j in range(1, t + 1)],
}


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of ``repeat`` runs, in seconds."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


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
        seconds, cpu = timed(lambda budget=budget: rdp_table(source, rates, budget), repeat)
        rows.append({"task": f"calculator T={FRAMES}, 4 PLFs x 2 modes, {name}",
                     "seconds": seconds, "cpu_seconds": cpu, "target_seconds": 1.0})  # fmt: skip
    small = GaussMarkovSource([0.9, 0.9])
    for mode in ("optimal", "universal"):
        seconds, cpu = timed(
            lambda mode=mode: [
                solve_test_channels(small, [0.05, 1.0, 1.0], 0.0, plf, mode) for plf in HEADS
            ],
            1,
        )
        rows.append({"task": f"solver T=3, 4 PLFs, {mode} mode, P = 0",
                     "seconds": seconds, "cpu_seconds": cpu, "target_seconds": None})  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        total = 0.0
        for figure in FIGURES:
            seconds, cpu = timed(lambda figure=figure: figure.draw(Path(out) / figure.name), 1)
            total += seconds
            rows.append({"task": f"figure {figure.name}", "seconds": seconds,
                         "cpu_seconds": cpu, "target_seconds": None})  # fmt: skip
        rows.append({"task": "figure set", "seconds": total, "cpu_seconds": None,
                     "target_seconds": 30.0})  # fmt: skip
    return rows


def sweep(frames: list[int], finite_frames: list[int], repeat: int) -> list[dict]:
    """``rdp_table`` per PLF (both modes) against the number of frames ``T``."""
    rows = []
    for budget_name, budget in SWEEP_BUDGETS.items():
        for t in frames if budget_name == "P = 0" else finite_frames:
            source = GaussMarkovSource([0.9] * (t - 1))
            for plf in HEADS:
                runs = repeat if t <= 80 else 1
                seconds, cpu = timed(
                    lambda source=source, t=t, plf=plf, budget=budget: rdp_table(
                        source, [0.3] * t, budget(t), [plf]
                    ),
                    runs,
                )
                target = 1.0 if (budget_name == "P = 0" and t == 1000) else None
                rows.append({"task": "sweep", "frames": t, "perception": budget_name,
                             "plf": plf, "seconds": seconds, "cpu_seconds": cpu,
                             "target_seconds": target})  # fmt: skip
    return rows + cli_rows()


def cli_rows() -> list[dict]:
    """``seqrdp --version`` and ``seqrdp theory gm`` at T = 1000, P = 0, as a user runs them."""
    command = shutil.which("seqrdp") or str(Path(sys.executable).with_name("seqrdp"))
    rates = ",".join(["0.3"] * 1000)
    calls = {
        "CLI start-up (seqrdp --version)": [command, "--version"],
        "CLI seqrdp theory gm, T=1000, P = 0, 4 PLFs x 2 modes": [
            command, "theory", "gm", "--rates", rates, "--perception", "0", "--json"
        ],
    }  # fmt: skip
    rows = []
    for task, argv in calls.items():
        before = os.times()
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        rows.append({"task": task, "seconds": wall, "cpu_seconds": cpu, "target_seconds": None})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per calculator timing")
    parser.add_argument("--sweep", action="store_true", help="time the sweep over T only")
    parser.add_argument("--frames", default=SWEEP_FRAMES, help="T values of the sweep at P = 0")
    parser.add_argument(
        "--finite-frames", default=FINITE_FRAMES, help="T values of the sweep at finite budgets"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON list")
    args = parser.parse_args()
    frames = [int(t) for t in args.frames.split(",")]
    finite = [int(t) for t in args.finite_frames.split(",")]
    rows = sweep(frames, finite, args.repeat) if args.sweep else measure(args.repeat)
    if args.json:
        print(json.dumps(rows))
        return
    if args.sweep:
        print(f"{'perception':<14}{'T':>6}  {'plf':<4}{'cpu s':>9}{'wall s':>9}")
        for r in rows:
            if r["task"] == "sweep":
                print(f"{r['perception']:<14}{r['frames']:>6}  {r['plf']:<4}"
                      f"{r['cpu_seconds']:9.3f}{r['seconds']:9.3f}")  # fmt: skip
            else:
                print(f"{r['task']}: cpu {r['cpu_seconds']:.3f} s, wall {r['seconds']:.3f} s")
        return
    width = max(len(r["task"]) for r in rows)
    print(f"{'task':<{width}}  {'seconds':>8}  target")
    for r in rows:
        target = "" if r["target_seconds"] is None else f"< {r['target_seconds']:g} s"
        print(f"{r['task']:<{width}}  {r['seconds']:8.3f}  {target}")


if __name__ == "__main__":
    main()
