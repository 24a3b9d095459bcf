"""Codec speed: per-frame latency at batch 1 and throughput at batch 64, for encode and for
every head's decode, with x264 timed on the same clips in the same run as the reference.

* Latency (``--latency-threads`` torch threads, default 1): clips coded one at a time. Encode:
  a clip's ``compress`` time over its T frames (the encoder emits frame t's symbols once it
  has coded frame t). Decode: the time from one frame of ``decompress_frames`` to the next
  (streaming, as ``seqrdp decode`` emits frames). x264 (``tune=zerolatency``, ``bframes=0``,
  one thread): each frame's ``encode`` call, which returns that frame's packet, and each
  packet's ``decode`` call; opening the encoder is reported apart.
* Throughput (``--throughput-threads``, default 2): frames per second of ``compress`` and
  ``decompress`` on a batch of ``--batch`` clips (default 64) split over that many Python
  threads of one torch thread each (``--intra-op``: also as one batch on that many torch
  threads); x264 codes the same clips one after another with as many threads.
* First call: the process's first ``compress`` and first decode with each head (in the
  order ``mse``, then the perception heads), apart from the warm medians.
* FLOPs per frame at batch 1, counted with ``torch.utils.flop_counter.FlopCounterMode``
  (convolutions and matrix products, two per multiply-add), and the rate they imply.

Times are medians over ``--repeats`` passes (wall clock; with one thread also the thread's
CPU time, which other processes on a busy machine inflate less).

    .venv/bin/python benchmarks/bench_codec_speed.py
    .venv/bin/python benchmarks/bench_codec_speed.py --model mmnist-universal-i16-p64 --json
    .venv/bin/python benchmarks/bench_codec_speed.py --tune-malloc   # reuse freed memory
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import sys
import time
from typing import Any

import numpy as np

import classical

X264 = classical.CODECS["x264"]
# glibc mallopt parameters.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling on 64-bit


def tune_malloc() -> bool:
    """Keep freed blocks of up to 32 MiB in the heap instead of unmapping them, so that the
    next call reuses them rather than faulting fresh pages in (glibc only)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)
        and libc.mallopt(M_TRIM_THRESHOLD, 4 * MMAP_THRESHOLD_MAX)
    )


def median_ms(seconds: list[float]) -> float:
    return round(1e3 * statistics.median(seconds), 3)


def first_calls(model, clip, seed: int) -> dict[str, Any]:
    """The first compress and the first decode with each head: ms per frame, wall and thread
    CPU."""
    frames = clip.shape[1]
    cold: dict[str, Any] = {"decode": {}, "decode_cpu": {}}

    def timed(work) -> tuple[float, float]:
        start, begun = time.perf_counter(), time.thread_time()
        work()
        wall, cpu = time.perf_counter() - start, time.thread_time() - begun
        return round(1e3 * wall / frames, 3), round(1e3 * cpu / frames, 3)

    symbols: list = []
    cold["encode"], cold["encode_cpu"] = timed(lambda: symbols.extend(model.compress(clip, [seed])))
    for head in model.head_names:
        wall, cpu = timed(lambda head=head: model.decompress(symbols, [seed], head))
        cold["decode"][head], cold["decode_cpu"][head] = wall, cpu
    return cold


def latency(model, clips, seeds: list[int], repeats: int) -> dict[str, Any]:
    """Per-frame encode and streaming decode times at batch 1 (wall and thread CPU)."""
    frames = clips.shape[1]
    wall: dict[str, list[float]] = {"encode": []}
    cpu: dict[str, list[float]] = {"encode": []}
    symbols = []
    for _ in range(repeats):
        symbols = []
        for clip, seed in zip(clips, seeds, strict=True):
            start, begun = time.perf_counter(), time.thread_time()
            symbols.append(model.compress(clip[None], [seed]))
            wall["encode"].append((time.perf_counter() - start) / frames)
            cpu["encode"].append((time.thread_time() - begun) / frames)
    for head in model.head_names:
        wall[head], cpu[head] = [], []
        for _ in range(repeats):
            for sent, seed in zip(symbols, seeds, strict=True):
                last, last_cpu = time.perf_counter(), time.thread_time()
                for _frame in model.decompress_frames(sent, [seed], head):
                    now, now_cpu = time.perf_counter(), time.thread_time()
                    wall[head].append(now - last)
                    cpu[head].append(now_cpu - last_cpu)
                    last, last_cpu = now, now_cpu
    return {
        "encode_ms_per_frame": median_ms(wall["encode"]),
        "encode_cpu_ms_per_frame": median_ms(cpu["encode"]),
        "decode_ms_per_frame": {h: median_ms(wall[h]) for h in model.head_names},
        "decode_cpu_ms_per_frame": {h: median_ms(cpu[h]) for h in model.head_names},
    }


def throughput(model, video, seeds: list[int], repeats: int, workers: int = 1) -> dict:
    """Frames per second of compress and of decompress with each head on one batch, split
    over ``workers`` Python threads (each its own slice of the batch; torch ops release the
    GIL, so ``workers`` threads with one torch thread each use as many cores).

    Besides wall-clock frames/s, frames per CPU-second of the process (all its threads): on
    a machine whose other work takes cores away, ``workers`` times that is what as many idle
    cores would give.
    """
    from concurrent.futures import ThreadPoolExecutor

    count = video.shape[0] * video.shape[1]
    parts = [slice(i * len(video) // workers, (i + 1) * len(video) // workers)
             for i in range(workers)]  # fmt: skip
    pool = ThreadPoolExecutor(workers)

    def timed(work) -> tuple[float, float]:
        start, begun = time.perf_counter(), time.process_time()
        list(pool.map(work, parts))
        return time.perf_counter() - start, time.process_time() - begun

    def rates(work) -> tuple[float, float]:
        runs = [timed(work) for _ in range(repeats)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        return round(count / wall, 1), round(count / cpu, 1)

    symbols: dict[int, list] = {}

    def encode(part: slice) -> None:
        symbols[part.start] = model.compress(video[part], seeds[part])

    def decoder(head: str):
        return lambda part: model.decompress(symbols[part.start], seeds[part], head)

    first, _ = timed(encode)  # the batch size's first call: apart from the medians
    result: dict[str, Any] = {"first_encode_frames_per_s": round(count / first, 1)}
    result["encode_frames_per_s"], result["encode_frames_per_cpu_s"] = rates(encode)
    result["decode_frames_per_s"], result["decode_frames_per_cpu_s"] = {}, {}
    for head in model.head_names:
        timed(decoder(head))
        wall, cpu = rates(decoder(head))
        result["decode_frames_per_s"][head] = wall
        result["decode_frames_per_cpu_s"][head] = cpu
    pool.shutdown()
    return result


def x264_speed(clips: np.ndarray, qp: int, preset: str, threads: int, repeats: int) -> dict:
    """x264 per-frame encode and decode times on uint8 clips (N, T, H, W)."""
    import av

    opened, encode, decode, bits = [], [], [], []
    for _ in range(repeats):
        for clip in clips:
            start = time.perf_counter()
            encoder = classical.open_encoder(X264, qp, clip.shape[1:], threads=threads,
                                             preset=preset)  # fmt: skip
            encoder.open()
            opened.append(time.perf_counter() - start)
            pictures = [classical.to_yuv420(frame) for frame in clip]
            packets = []
            for t, picture in enumerate(pictures):
                picture.pts = t
                start = time.perf_counter()
                out = encoder.encode(picture)
                encode.append(time.perf_counter() - start)
                if len(out) != 1:
                    raise RuntimeError("x264 held a frame back: not zero latency")
                packets.append(bytes(out[0]))
            encoder.encode(None)
            bits.append(sum(8 * len(classical.split_units(X264, p)[0]) for p in packets))
            decoder = classical.open_decoder(X264, threads=1)
            for data in packets:
                packet = av.Packet(data)
                start = time.perf_counter()
                decoded = decoder.decode(packet)
                decode.append(time.perf_counter() - start)
                if len(decoded) != 1:
                    raise RuntimeError("the H.264 decoder held a frame back")
    return {
        "preset": preset,
        "qp": qp,
        "threads": threads,
        "bits_per_clip": float(np.mean(bits)),
        "open_ms_per_clip": median_ms(opened),
        "encode_ms_per_frame": median_ms(encode),
        "decode_ms_per_frame": median_ms(decode),
        "encode_frames_per_s": round(1.0 / statistics.median(encode), 1),
        "decode_frames_per_s": round(1.0 / statistics.median(decode), 1),
    }


def flops_per_frame(model, clip, seed: int) -> dict[str, Any]:
    """FLOPs of encoding and of decoding with each head, per frame at batch 1."""
    from torch.utils.flop_counter import FlopCounterMode

    frames = clip.shape[1]
    with FlopCounterMode(display=False) as counter:
        symbols = model.compress(clip, [seed])
    result = {"encode": counter.get_total_flops() / frames, "decode": {}}
    for head in model.head_names:
        with FlopCounterMode(display=False) as counter:
            model.decompress(symbols, [seed], head)
        result["decode"][head] = counter.get_total_flops() / frames
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="mmnist-universal-i4-p64", help="zoo name or path")
    parser.add_argument("--clips", type=int, default=16, help="clips timed at batch 1")
    parser.add_argument("--batch", type=int, default=64, help="clips per throughput batch")
    parser.add_argument("--frames", type=int, default=3, help="frames per clip")
    parser.add_argument("--repeats", type=int, default=5, help="passes; medians are reported")
    parser.add_argument("--latency-threads", type=int, default=1)
    parser.add_argument("--throughput-threads", type=int, default=2)
    parser.add_argument("--x264-qp", type=int, default=51, help="x264 QP (51: lowest rate)")
    parser.add_argument("--x264-preset", default="medium")
    parser.add_argument(
        "--intra-op",
        action="store_true",
        help="also time one batch on --throughput-threads torch (OpenMP) threads",
    )
    parser.add_argument("--tune-malloc", action="store_true", help=tune_malloc.__doc__)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    malloc_tuned = tune_malloc() if args.tune_malloc else False
    import av
    import torch

    from seqrdp.data.moving_mnist import generate_moving_mnist
    from seqrdp.progress import progress
    from seqrdp.zoo import load_model

    av.logging.set_level(av.logging.ERROR)
    torch.set_num_threads(args.latency_threads)
    model, info = load_model(args.model)
    count = max(args.clips, args.batch)
    data = generate_moving_mnist(count, args.frames, split="test", seed=args.seed).videos
    video = torch.from_numpy(data.astype(np.float32) / 255.0).unsqueeze(2)
    seeds = list(range(args.seed, args.seed + count))
    load_before = os.getloadavg()

    bar = progress(total=5, desc="speed")
    cold = first_calls(model, video[:1], seeds[0])
    bar.update(1)
    lat = latency(model, video[: args.clips], seeds[: args.clips], args.repeats)
    lat["threads"] = torch.get_num_threads()
    lat["x264"] = x264_speed(data[: args.clips], args.x264_qp, args.x264_preset, 1, args.repeats)
    bar.update(1)
    # The cores as Python threads with one torch thread each: no OpenMP barrier waits for a
    # thread that a busy machine has descheduled (on a 2-core machine running other work,
    # two torch threads coded 10x slower than one).
    torch.set_num_threads(1)
    batch, batch_seeds = video[: args.batch], seeds[: args.batch]
    thr = throughput(model, batch, batch_seeds, args.repeats, args.throughput_threads)
    thr["threads"] = args.throughput_threads
    thr["batch"] = args.batch
    if args.intra_op:
        torch.set_num_threads(args.throughput_threads)
        thr["intra_op"] = throughput(model, batch, batch_seeds, args.repeats)
        thr["intra_op"]["threads"] = torch.get_num_threads()
    bar.update(1)
    thr["x264"] = x264_speed(
        data[: args.batch], args.x264_qp, args.x264_preset, args.throughput_threads, 1
    )
    bar.update(1)
    torch.set_num_threads(args.latency_threads)
    flops = flops_per_frame(model, video[:1], seeds[0])
    bar.update(1)
    bar.close()

    mflops = {
        "encode": round(flops["encode"] / 1e6, 1),
        "decode": {h: round(f / 1e6, 1) for h, f in flops["decode"].items()},
    }
    # The rate the FLOPs imply at the measured batch-1 CPU time.
    gflops = {
        "encode": round(flops["encode"] / lat["encode_cpu_ms_per_frame"] / 1e6, 1),
        "decode": {
            h: round(f / lat["decode_cpu_ms_per_frame"][h] / 1e6, 1)
            for h, f in flops["decode"].items()
        },
    }
    result = {
        "model": info.name,
        "frames": args.frames,
        "size": list(video.shape[-2:]),
        "clips_latency": args.clips,
        "repeats": args.repeats,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
            "torch": torch.__version__,
            "malloc_tuned": malloc_tuned,
        },
        "first_call_ms_per_frame": cold,
        "latency": lat,
        "throughput": thr,
        "mflop_per_frame": mflops,
        "gflop_per_s_at_batch_1": gflops,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(format_report(result))
    return 0


def format_report(r: dict) -> str:
    lat, thr, x = r["latency"], r["throughput"], r["latency"]["x264"]
    m = r["machine"]
    lines = [
        f"{r['model']}, {r['size'][0]}x{r['size'][1]}, T={r['frames']}; {m['cpus']} CPUs, "
        f"load average {m['load_average_before'][0]} -> {m['load_average_after'][0]}; "
        f"torch {m['torch']}; malloc tuned: {m['malloc_tuned']}",
        f"batch 1, {lat['threads']} thread(s), ms per frame (median wall / thread CPU):",
        f"  encode              {lat['encode_ms_per_frame']:8.2f} / "
        f"{lat['encode_cpu_ms_per_frame']:.2f}   ({r['mflop_per_frame']['encode']} MFLOP)",
    ]
    for head, ms in lat["decode_ms_per_frame"].items():
        lines.append(
            f"  decode {head:<12} {ms:8.2f} / {lat['decode_cpu_ms_per_frame'][head]:.2f}"
            f"   ({r['mflop_per_frame']['decode'][head]} MFLOP)"
        )
    lines += [
        f"  x264 {x['preset']} QP {x['qp']}: encode {x['encode_ms_per_frame']:.3f}, "
        f"decode {x['decode_ms_per_frame']:.3f} (open {x['open_ms_per_clip']:.1f} ms per clip, "
        f"{x['bits_per_clip']:.0f} bits per clip)",
        f"first call of the process, ms per frame (wall / thread CPU): encode "
        f"{r['first_call_ms_per_frame']['encode']} / {r['first_call_ms_per_frame']['encode_cpu']}"
        f", decode {r['first_call_ms_per_frame']['decode']} / "
        f"{r['first_call_ms_per_frame']['decode_cpu']}",
        f"batch {thr['batch']}, {thr['threads']} Python threads of 1 torch thread, frames/s: "
        f"encode {thr['encode_frames_per_s']} (first call {thr['first_encode_frames_per_s']}), "
        f"decode {thr['decode_frames_per_s']}",
        f"  per CPU-second: encode {thr['encode_frames_per_cpu_s']}, decode "
        f"{thr['decode_frames_per_cpu_s']}",
        f"  x264 ({thr['x264']['threads']} threads): encode {thr['x264']['encode_frames_per_s']}, "
        f"decode {thr['x264']['decode_frames_per_s']}",
    ]
    if "intra_op" in thr:
        t = thr["intra_op"]
        lines.append(
            f"  one batch on {t['threads']} torch threads: encode {t['encode_frames_per_s']}, "
            f"decode {t['decode_frames_per_s']}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
