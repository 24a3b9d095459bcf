"""One-shot codes: bits against block size, the search's cost, and the match with the calculator.

``bits``: one frame at rate ``R`` (the bits depend only on ``n`` and ``I``: the whitened target
mean is ``N(0, (1 − σ²) I_n)`` for every channel), blocks of ``n`` samples: measured bits per
sample, the bound, the points the encoder drew per block and CPU seconds per 10⁴ blocks.
``match``: every PLF over ``M`` sequences of the default setting, measured distortion and
perception with their 95% sampling intervals beside the calculator's.

    python benchmarks/bench_oneshot.py bits [--rate 0.25] [--blocks 1,4,16] [--sequences M]
    python benchmarks/bench_oneshot.py match [--rates 0.5,1,1] [--perception 0] [--sequences M]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

from seqrdp.plfs import FMD, HEADS  # noqa: E402
from seqrdp.theory import GaussMarkovSource  # noqa: E402
from seqrdp.theory.oneshot import simulate  # noqa: E402


def bits(rate: float, blocks: list[int], sequences: int) -> list[dict]:
    rows = []
    for block in blocks:
        start = time.process_time()
        result = simulate(GaussMarkovSource([]), [rate], 0.0, FMD, block, sequences, 1)
        cpu = time.process_time() - start
        rows.append(
            {
                "block": block,
                "sequences": sequences,
                "information_bits": result["information_bits"][0],
                "bits_mean": result["bits_mean"][0],
                "bits_p95": result["bits_p95"][0],
                "bound_bits": result["bound_bits"][0],
                "points_examined_mean": result["points_examined_mean"][0],
                "cpu_s_per_1e4_blocks": cpu * 1e4 / sequences,
            }
        )
        r = rows[-1]
        print(
            f"n={block:>3} M={sequences:>6}  bits/block {r['bits_mean']:7.3f} "
            f"(p95 {r['bits_p95']:.0f})  per sample {r['bits_mean'] / block:.3f}  I {rate:.3f}"
            f"  bound/sample {r['bound_bits'] / block:.3f}"
            f"  points/block {r['points_examined_mean']:.0f}"
            f"  cpu/1e4 blocks {r['cpu_s_per_1e4_blocks']:.1f} s",
            flush=True,
        )
    return rows


def match(rates: list[float], perception: list[float], sequences: int, block: int) -> list[dict]:
    source = GaussMarkovSource([0.9] * (len(rates) - 1))
    rows = []
    for plf in HEADS:
        start = time.process_time()
        result = simulate(source, rates, perception, plf, block, sequences, 0)
        result["cpu_s"] = time.process_time() - start
        rows.append({"plf": plf, **result})
        for j in range(len(rates)):
            inside = []
            for key in ("distortion", "perception"):
                value, interval = result[key][j], result[f"{key}_interval"][j]
                calc = result[f"calculator_{key}"][j]
                if value is None:
                    inside.append(f"{key} -")
                    continue
                ok = interval[0] <= value <= interval[1]
                inside.append(
                    f"{key} {value:.4f} [{interval[0]:.4f}, {interval[1]:.4f}] calc {calc:.4f}"
                    f" {'in' if ok else 'OUT'}"
                )
            print(
                f"{plf:<4} frame {j + 1}: bits {result['bits_mean'][j]:.3f} "
                f"(bound {result['bound_bits'][j]:.3f}); " + "; ".join(inside),
                flush=True,
            )
        print(f"{plf}: cpu {result['cpu_s']:.1f} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["bits", "match"])
    parser.add_argument("--rate", type=float, default=0.25)
    parser.add_argument("--blocks", default="1,4,16")
    parser.add_argument("--rates", default="0.5,1,1")
    parser.add_argument("--perception", default="0")
    parser.add_argument("--block", type=int, default=1)
    parser.add_argument("--sequences", type=int, default=10_000)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    if args.part == "bits":
        blocks = [int(b) for b in args.blocks.split(",")]
        rows = bits(args.rate, blocks, args.sequences)
    else:
        rates = [float(r) for r in args.rates.split(",")]
        perception = [float(p) for p in args.perception.split(",")]
        rows = match(rates, perception, args.sequences, args.block)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
