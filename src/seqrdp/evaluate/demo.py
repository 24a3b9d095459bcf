"""``seqrdp demo``: the paper's findings on one page, from a fresh install.

Steps: make fresh Moving MNIST test sequences (digits never seen in training); draw the
Gauss–Markov figures; encode every sequence at the low-rate point into real ``.srdp``
bitstreams; decode the same bits with every head (PLF); score them with the same function as
``seqrdp evaluate``; write ``DIR/report.html``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from seqrdp.cli_args import add_json
from seqrdp.errors import UsageError
from seqrdp.plfs import HEADS

DEFAULT_MODEL = "mmnist-universal-i4-p64"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the paper's findings end to end and write an HTML report",
        description=(
            "Make fresh Moving MNIST test sequences, draw the Gauss-Markov theory figures, "
            "encode the sequences at the low-rate point (I-frame <= 4 bits) into real .srdp "
            f"bitstreams, decode the same bits with every PLF head ({', '.join(HEADS)}), score "
            "them like `seqrdp evaluate`, and write DIR/report.html (self-contained, opens "
            "offline). Runs on built-in defaults in under two minutes on a 2-core CPU."
        ),
    )
    parser.add_argument("--out", default="seqrdp-demo", metavar="DIR", help="output directory")
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, metavar="NAME",
        help=f"shipped model or checkpoint to demonstrate (default {DEFAULT_MODEL})",
    )  # fmt: skip
    parser.add_argument(
        "--sequences", type=int, default=100, help="test sequences to code (default 100)"
    )
    parser.add_argument("--frames", type=int, default=3, help="frames per sequence (default 3)")
    parser.add_argument(
        "--seed", type=int, default=2023, help="seed of the test data and the shared randomness"
    )
    parser.add_argument(
        "--critic-steps", type=int, default=0,
        help="steps of each fresh Wasserstein critic (36 critics at T = 3: about 3 extra "
        "minutes at 60 steps on 2 cores); 0 (default) reports realism as the Frechet distance "
        "of classifier features only",
    )  # fmt: skip
    add_json(parser, "a JSON summary")
    parser.set_defaults(func=run_demo_command)


def run_demo_command(args: argparse.Namespace) -> int:
    if args.sequences < 4:
        raise UsageError(f"--sequences must be at least 4, got {args.sequences}")
    if args.frames < 2:
        raise UsageError(f"--frames must be at least 2, got {args.frames}")
    if args.critic_steps < 0:
        raise UsageError(f"--critic-steps must be >= 0, got {args.critic_steps}")
    from seqrdp.limits import check_fits
    from seqrdp.outputs import check_output

    check_output(args.out, directory=True)
    # Clips of the shipped 64x64 models: uint8 source and four decoded heads, and the float32
    # source and reconstructions that scoring holds.
    check_fits((args.sequences, args.frames, 64, 64), 5 + 5 * 4, f"{args.sequences} sequences")
    summary = run_demo(
        Path(args.out),
        model_name=args.model,
        sequences=args.sequences,
        frames=args.frames,
        seed=args.seed,
        critic_steps=args.critic_steps,
    )
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"report: {summary['report']}  ({summary['seconds']:.0f} s)")
    return 0


def run_demo(
    out: Path,
    *,
    model_name: str = DEFAULT_MODEL,
    sequences: int = 100,
    frames: int = 3,
    seed: int = 2023,
    critic_steps: int = 0,
) -> dict[str, Any]:
    """Everything ``seqrdp demo`` does; returns a JSON-ready summary."""
    import torch

    from seqrdp.bitstream import StreamReader
    from seqrdp.codec.stream import decode_frames, encode_video, fit_frames, write_encoded
    from seqrdp.data.arrays import save_videoset
    from seqrdp.data.dataset import frames_to_tensor
    from seqrdp.data.moving_mnist import generate_moving_mnist
    from seqrdp.evaluate.classifier import classify_frames, load_classifier
    from seqrdp.evaluate.record import ladder_points
    from seqrdp.evaluate.run import evaluate_codec
    from seqrdp.progress import progress
    from seqrdp.zoo import list_models, load_model

    # Batch-one coding: one thread is fastest (see seqrdp.codec.command._one_thread).
    torch.set_num_threads(1)
    start = time.perf_counter()
    model, info = load_model(model_name)
    out.mkdir(parents=True, exist_ok=True)
    heads = [h for h in HEADS if h in model.head_names]

    size = model.codec_config.size[0]
    data = generate_moving_mnist(sequences, frames, size=size, split="test", seed=seed)
    data_path = out / "test.npy"
    save_videoset(data_path, data)

    theory_dir = out / "theory"
    theory_figures = _theory_figures(theory_dir)

    # Real bitstreams: one .srdp file per sequence, read back and decoded by every head. With
    # the same seeds these are the reconstructions that evaluate_codec scores (the codec's
    # decompress(compress(x)) equals its eval forward; tests/codec checks it).
    streams = out / "streams"
    streams.mkdir(exist_ok=True)
    sizes = []
    decoded: dict[str, list[np.ndarray]] = {head: [] for head in heads}
    for i in progress(range(sequences), total=sequences, desc="encode + decode"):
        path = streams / f"seq{i:04d}.srdp"
        encoded = encode_video(model, info, fit_frames(data.videos[i], model), seed + i)
        with open(path, "wb") as stream:
            sizes.append(write_encoded(stream, encoded))
        for head in heads:
            with open(path, "rb") as stream:
                frames_out = list(decode_frames(StreamReader(stream), model, info, head))
            decoded[head].append(np.stack(frames_out))
    header = encoded.header

    results = evaluate_codec(model, data, heads=heads, seeds=seed, critic_steps=critic_steps)

    classifier, _ = load_classifier()
    digits = {"source": torch.as_tensor(data.labels[:, 0])}
    for head in heads:
        video = torch.stack([frames_to_tensor(v) for v in decoded[head]])
        digits[head], _ = classify_frames(classifier, video)

    from seqrdp.evaluate.demo_page import build_page

    page = build_page(
        info=info,
        results=results,
        data=data,
        decoded=decoded,
        digits=digits,
        theory_figures=theory_figures,
        header=header,
        stream_sizes=sizes,
        seed=seed,
        critic_steps=critic_steps,
        data_path=data_path,
        ladder=ladder_points(list_models()),
    )
    report = out / "report.html"
    report.write_text(page)
    (out / "metrics.json").write_text(json.dumps(results, indent=1))
    return {
        "report": str(report),
        "model": info.name,
        "sequences": sequences,
        "frames": frames,
        "frame_bits": list(header.frame_bits),
        "stream_bytes": sizes[0],
        "seconds": time.perf_counter() - start,
        "heads": {h: results["heads"][h]["mse"] for h in heads},
    }


def _theory_figures(directory: Path) -> list[Path]:
    from seqrdp.theory.plot import write_figures

    return write_figures(directory)
