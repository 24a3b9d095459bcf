"""``seqrdp evaluate``: per-frame distortion, rate, identity and realism of a trained codec."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from seqrdp.cli_args import add_device, add_json
from seqrdp.errors import UsageError
from seqrdp.plfs import HEADS, PLFS, choices_text

TWO_SAMPLE_SEQUENCES = 512

EPILOG = """\
JSON output (--json), one object; every list has one value per frame t = 1..T:
  checkpoint              the --checkpoint name or path
  model                   frame_bits (bits of frame 1, 2, ...; the last repeats), heads,
                          steps, config (the codec configuration)
  data                    path, sequences, frames, size [H, W], meta (how the data were made),
                          identity_source (classifier accuracy on the source frames; null
                          without one-digit labels)
  data.two_sample, data.two_sample_error  control: two-sample test of the source frames t
                          against the reference frames t (about 0.5 when the reference is right)
  settings                seed, critic_steps, batch_size, device, classifier (its metadata),
                          two_sample (null with --two-sample-sequences 0): sequences n per side,
                          reference (where the real clips come from), steps, batch_size,
                          learning_rate, seed of every two-sample test
  heads.<plf>.mse         mean over sequences of per-pixel MSE (pixels in [0, 1])
  heads.<plf>.psnr        mean over sequences of 10 log10(1 / MSE) per sequence-frame, dB
  heads.<plf>.bits        bits of frame t
  heads.<plf>.identity_source  fraction of sequences whose frame t shows the source digit
  heads.<plf>.identity_first   fraction of sequences whose frame t shows the digit of frame 1
  heads.<plf>.label_entropy  entropy (bits) of the digits read on frame t across sequences:
                          ~3.3 for real frames, 0 when every sequence shows one digit
  heads.<plf>.spread      variance of frame t across sequences over the source's: 1 for a
                          source-like spread, 0 for one frame drawn every time
  heads.<plf>.frechet     Frechet distance of classifier features, source vs reconstruction
  heads.<plf>.wasserstein.{fmd,jd,sa}  held-out WGAN-GP critic estimate of W1 under each
                          PLF (null with --critic-steps 0)
  heads.<plf>.two_sample  classifier two-sample test of frames t: held-out accuracy of a fresh
                          small CNN telling reconstructed frames t from real frames t of n
                          independent reference clips; 0.5 = indistinguishable, 1 = told apart
                          (null with --two-sample-sequences 0)
  heads.<plf>.two_sample_error       its binomial standard error sqrt(a (1 - a) / m) over
                          the m = 2 ceil(n/2) held-out samples (at a = 0.5: 0.5 / sqrt(m))
  heads.<plf>.two_sample_clip        the same test on clips 1..t (frames stacked along
                          channels: the joint distribution that jd compares); at t = 1 it is
                          two_sample
  heads.<plf>.two_sample_clip_error  its binomial standard error
Details and formulas: docs/metrics.md.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a trained codec frame by frame (MSE, PSNR, identity, realism)",
        description=(
            "Code held-out videos with a trained codec, decode them with each head (PLF), and "
            "report per-frame MSE, PSNR, bits, digit identity, Frechet distance of classifier "
            "features, Wasserstein estimates of freshly trained critics and classifier two-sample "
            "tests against independent real clips."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--checkpoint",
        required=True,
        metavar="CKPT",
        help="shipped model name (see `seqrdp models`), run directory or .safetensors file",
    )
    parser.add_argument(
        "--data", required=True, metavar="FILE", help="held-out dataset file (.npy + .json)"
    )
    parser.add_argument(
        "--plf",
        default=None,
        metavar="LIST",
        help=f"comma-separated heads to evaluate, from {choices_text()} (default: all of the "
        "model's)",
    )
    parser.add_argument(
        "--sequences",
        type=int,
        default=None,
        metavar="N",
        help="use the first N sequences (default: all)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=None,
        metavar="T",
        help="use the first T frames (default: all)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="shared-randomness seed of sequence 1 (sequence i gets S+i-1) and critic seed "
        "(default 0)",
    )
    parser.add_argument(
        "--critic-steps",
        type=int,
        default=100,
        metavar="K",
        help="training steps of each fresh Wasserstein critic (one per head, PLF and frame; "
        "about 0.1 s a step on a CPU core); 0 skips them (default 100)",
    )
    parser.add_argument(
        "--two-sample-sequences",
        type=int,
        default=TWO_SAMPLE_SEQUENCES,
        metavar="N",
        help="clips per side of each classifier two-sample test: the first N reconstructions "
        "against N real reference clips (fresh Moving MNIST clips when --data is generated "
        "Moving MNIST, else the sources of the last N clips, N at most half the data); one test "
        "per head and frame and one per head and clip 1..t, about 5 s of a CPU core each at "
        f"64x64; 0 skips them (default {TWO_SAMPLE_SEQUENCES})",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=16,
        metavar="B",
        help="sequences coded at once (default 16)",
    )
    add_device(parser, "where the codec, classifier and critics run")
    add_json(parser)
    parser.set_defaults(func=run)


def parse_heads(text: str | None, available: tuple[str, ...]) -> tuple[str, ...]:
    """Heads named in a ``--plf`` value, in the given order; all ``available`` when None."""
    if text is None:
        return available
    heads = tuple(name.strip() for name in text.split(",") if name.strip())
    if not heads:
        raise UsageError(f"--plf names no head; use e.g. --plf {choices_text(HEADS[:2])}")
    for head in heads:
        if head not in HEADS:
            raise UsageError(f"--plf: unknown PLF {head!r}; choose from {choices_text()}")
        if head not in available:
            raise UsageError(f"--plf: this model has no {head!r} head (it has {available})")
    if len(set(heads)) != len(heads):
        raise UsageError(f"--plf names a head twice: {text}")
    return heads


def run(args: argparse.Namespace) -> int:
    from seqrdp.data.arrays import VideoSet, load_videoset
    from seqrdp.data.dataset import VideoDataset
    from seqrdp.devices import check_device
    from seqrdp.evaluate.classifier import load_classifier
    from seqrdp.evaluate.run import MIN_SEQUENCES, evaluate_codec
    from seqrdp.zoo import load_model

    for flag, value, least in (
        ("--sequences", args.sequences, MIN_SEQUENCES),
        ("--frames", args.frames, 1),
        ("--batch-size", args.batch_size, 1),
        ("--critic-steps", args.critic_steps, 0),
        ("--two-sample-sequences", args.two_sample_sequences, 0),
    ):
        if value is not None and value < least:
            raise UsageError(f"{flag} must be at least {least}, got {value}")
    if args.seed < 0:
        raise UsageError(f"--seed must be non-negative, got {args.seed}")
    check_device(args.device)
    model, info = load_model(args.checkpoint, device=args.device)
    meta = info.meta
    heads = parse_heads(args.plf, tuple(model.head_names))
    data = load_videoset(args.data, mmap=True)
    if args.sequences is not None:
        if args.sequences > len(data):
            raise UsageError(f"--sequences {args.sequences}: {args.data} has only {len(data)}")
        labels = None if data.labels is None else data.labels[: args.sequences]
        data = VideoSet(data.videos[: args.sequences], labels, data.meta)
    dataset = VideoDataset(data, frames=args.frames)
    classifier, classifier_meta = load_classifier()
    result = evaluate_codec(
        model,
        dataset,
        heads=heads,
        seeds=args.seed,
        batch_size=args.batch_size,
        critic_steps=args.critic_steps,
        classifier=classifier,
        critic_seed=args.seed,
        two_sample_sequences=args.two_sample_sequences,
        two_sample_seed=args.seed,
    )
    report = {
        "checkpoint": str(args.checkpoint),
        "model": {
            "frame_bits": list(model.frame_bits),
            "heads": list(model.head_names),
            "steps": meta.get("steps"),
            "config": meta.get("codec"),
        },
        "data": {
            "path": str(args.data),
            "sequences": result["data"]["sequences"],
            "frames": result["data"]["frames"],
            "size": list(data.videos.shape[2:4]),
            "meta": data.meta,
            "identity_source": result["data"]["identity_source"],
            "two_sample": result["data"]["two_sample"],
            "two_sample_error": result["data"]["two_sample_error"],
        },
        "settings": {
            "seed": args.seed,
            "critic_steps": args.critic_steps,
            "batch_size": args.batch_size,
            "device": args.device,
            "classifier": classifier_meta,
            "two_sample": result["two_sample"],
        },
        "heads": result["heads"],
    }
    if args.json:
        json.dump(report, sys.stdout)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_table(report))
    return 0


def format_table(report: dict[str, Any]) -> str:
    """Readable per-frame tables, one per head."""
    data = report["data"]
    lines = [
        f"{report['checkpoint']} on {data['path']}: {data['sequences']} sequences x "
        f"{data['frames']} frames, critic steps {report['settings']['critic_steps']}"
    ]
    if data["identity_source"] is not None:
        accuracy = " ".join(f"{v:.2f}" for v in data["identity_source"])
        lines.append(f"classifier accuracy on source frames: {accuracy}")
    two_sample = report["settings"]["two_sample"]
    if two_sample is not None:
        control = " ".join(f"{v:.3f}" for v in data["two_sample"])
        lines.append(
            f"two-sample tests (c2st_t: frame t, c2st_1:t: clip 1..t): {two_sample['sequences']} "
            f"clips per side against {two_sample['reference']}; source frames score {control}"
        )
    columns = ("t", "bits", "mse", "psnr", "id_src", "id_first", "H_label", "spread", "frechet")
    columns += tuple(f"W_{plf}" for plf in PLFS)
    columns += ("c2st_t", "c2st_1:t")
    for head, metrics in report["heads"].items():
        lines += ["", f"head {head}", "".join(f"{c:>9}" for c in columns)]
        for t in range(data["frames"]):
            row = [
                str(t + 1),
                str(metrics["bits"][t]),
                f"{metrics['mse'][t]:.5f}",
                f"{metrics['psnr'][t]:.2f}",
                _number(metrics["identity_source"], t, "{:.3f}"),
                f"{metrics['identity_first'][t]:.3f}",
                f"{metrics['label_entropy'][t]:.3f}",
                f"{metrics['spread'][t]:.3f}",
                f"{metrics['frechet'][t]:.3f}",
                *(_number(metrics["wasserstein"][plf], t, "{:.3f}") for plf in PLFS),
                _number(metrics["two_sample"], t, "{:.3f}"),
                _number(metrics["two_sample_clip"], t, "{:.3f}"),
            ]
            lines.append("".join(f"{cell:>9}" for cell in row))
    return "\n".join(lines) + "\n"


def _number(values: list[float] | None, t: int, spec: str) -> str:
    return "-" if values is None else spec.format(values[t])
