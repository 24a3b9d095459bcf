"""Cost and calibration of the classifier two-sample test (``seqrdp.evaluate.two_sample``).

Usage::

    python benchmarks/bench_two_sample.py [--samples 512] [--size 64] [--frames 3]
        [--repeats 5] [--json]

On Moving MNIST test digits, one thread, ``--samples`` clips per side:

- chance: ``--repeats`` tests of real frames against real frames of other clips (each repeat
  new clips and a new seed): the mean accuracy should be 0.5 and the spread at most the
  binomial ``0.5 / sqrt(m)``;
- power: real frames against the same frames blurred by a Gaussian of 1 pixel, and real clips
  of ``--frames`` frames against clips whose frames are shuffled across clips;
- cost: wall and CPU seconds of one test of one frame and of one clip (CPU seconds are the
  better number on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import time


def clips(samples: int, frames: int, size: int, seed: int):
    import torch

    from seqrdp.data.moving_mnist import generate_moving_mnist

    videos = generate_moving_mnist(samples, frames, size=size, split="test", seed=seed).videos
    return torch.as_tensor(videos).float() / 255


def blur(frames, sigma: float = 1.0):
    """Separable Gaussian blur of (N, C, H, W) frames, 7 taps, zero padding."""
    import torch

    taps = torch.exp(-(torch.arange(-3, 4.0) ** 2) / (2 * sigma**2))
    taps = taps / taps.sum()
    c = frames.shape[1]
    frames = torch.nn.functional.conv2d(
        frames, taps.view(1, 1, 1, 7).repeat(c, 1, 1, 1), padding=(0, 3), groups=c
    )
    return torch.nn.functional.conv2d(
        frames, taps.view(1, 1, 7, 1).repeat(c, 1, 1, 1), padding=(3, 0), groups=c
    )


def timed(real, fake, seed: int = 0) -> tuple[float, float, float]:
    """(accuracy, wall seconds, CPU seconds) of one test."""
    from seqrdp.evaluate.two_sample import two_sample_test

    wall, cpu = time.perf_counter(), time.process_time()
    result = two_sample_test(real, fake, seed=seed)
    return result.accuracy, time.perf_counter() - wall, time.process_time() - cpu


def measure(args: argparse.Namespace) -> dict:
    import torch

    torch.set_num_threads(1)
    n, size = args.samples, args.size
    chance, costs = [], []
    for repeat in range(args.repeats):
        accuracy, wall, cpu = timed(
            clips(n, 1, size, 100 + 2 * repeat), clips(n, 1, size, 101 + 2 * repeat), repeat
        )
        chance.append(accuracy)
        costs.append((wall, cpu))
    blurred, _, _ = timed(clips(n, 1, size, 1), blur(clips(n, 1, size, 2)))
    real, other = clips(n, args.frames, size, 3), clips(n, args.frames, size, 4)
    generator = torch.Generator().manual_seed(0)
    shuffled = torch.stack(
        [other[torch.randperm(n, generator=generator), t] for t in range(args.frames)], 1
    )
    clip_shuffled, clip_wall, clip_cpu = timed(real, shuffled)
    clip_chance, _, _ = timed(real, other)
    frame_shuffled, _, _ = timed(real[:, -1:], shuffled[:, -1:])
    return {
        "samples_per_side": n,
        "size": size,
        "held_out": 2 * math.ceil(n / 2),
        "null_standard_error": 0.5 / math.sqrt(2 * math.ceil(n / 2)),
        "chance": {
            "accuracies": chance,
            "mean": statistics.mean(chance),
            "sd": statistics.stdev(chance) if len(chance) > 1 else None,
        },
        "blur_1px": blurred,
        "clip_frames": args.frames,
        "clip_shuffled": clip_shuffled,
        "clip_chance": clip_chance,
        "last_frame_of_shuffled": frame_shuffled,
        "frame_test_seconds": {
            "wall": statistics.median(w for w, _ in costs),
            "cpu": statistics.median(c for _, c in costs),
        },
        "clip_test_seconds": {"wall": clip_wall, "cpu": clip_cpu},
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=512, help="clips per side (default 512)")
    parser.add_argument("--size", type=int, default=64, help="frame side (default 64)")
    parser.add_argument("--frames", type=int, default=3, help="frames of the clip test")
    parser.add_argument("--repeats", type=int, default=5, help="real-vs-real repeats")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = measure(args)
    if args.json:
        print(json.dumps(result))
        return
    chance = result["chance"]
    print(
        f"{result['samples_per_side']} per side, {result['size']}x{result['size']}, held-out "
        f"m = {result['held_out']} (null standard error {result['null_standard_error']:.3f})"
    )
    print(
        "real vs real: " + " ".join(f"{a:.3f}" for a in chance["accuracies"])
        + f"  mean {chance['mean']:.3f} sd {chance['sd'] or float('nan'):.3f}"
    )  # fmt: skip
    print(f"real vs blurred by 1 px: {result['blur_1px']:.3f}")
    print(
        f"clips of {result['clip_frames']} frames: shuffled {result['clip_shuffled']:.3f}, "
        f"real {result['clip_chance']:.3f}; last frame of shuffled "
        f"{result['last_frame_of_shuffled']:.3f}"
    )
    frame, clip = result["frame_test_seconds"], result["clip_test_seconds"]
    print(
        f"cost per test: frame {frame['cpu']:.1f} s CPU ({frame['wall']:.1f} s wall), clip "
        f"{clip['cpu']:.1f} s CPU ({clip['wall']:.1f} s wall)"
    )


if __name__ == "__main__":
    main()
