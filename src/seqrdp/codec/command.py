"""``seqrdp encode``, ``seqrdp decode`` and ``seqrdp models``: real bitstreams from the shipped
(or your own) models, with the PLF chosen at the decoder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from seqrdp.errors import UsageError

PLF_CHOICES = ("mse", "fmd", "jd", "sa")
SEED_MAX = 2**64 - 1


def register(subparsers: Any) -> None:
    encode = subparsers.add_parser(
        "encode",
        help="compress a video to a .srdp bitstream",
        description=(
            "Compress one video to a .srdp file of fixed-rate symbols. INPUT is anything the "
            "data layer reads: a video file FFmpeg decodes (mp4, avi, mkv, ...), a directory of "
            "PNG frames, or a uint8 .npy of shape (T, H, W) or (N, T, H, W) (then --sequence "
            "picks one). Colour is converted to the model's channels; frames of another size "
            "are center-cropped and resized to the model's frame size (or rejected with "
            "--no-resize). The PLF is not chosen here: any head decodes the same bits."
        ),
    )
    encode.add_argument("input", metavar="INPUT", help="video file, PNG directory or .npy")
    encode.add_argument("-o", "--out", required=True, metavar="OUT.srdp", help="output stream")
    encode.add_argument(
        "--model", required=True, metavar="NAME", help="shipped model (see `seqrdp models`) "
        "or a run directory / .safetensors checkpoint of your own",
    )  # fmt: skip
    encode.add_argument("--frames", type=int, metavar="N", help="code only the first N frames")
    encode.add_argument(
        "--seed", type=int, default=0, metavar="S",
        help="shared-randomness seed stored in the stream (dither, decoder noise); default 0",
    )  # fmt: skip
    encode.add_argument(
        "--sequence", type=int, default=0, metavar="I",
        help="which video of an (N, T, H, W) .npy to code (default 0)",
    )  # fmt: skip
    encode.add_argument(
        "--no-resize", action="store_true", help="reject frames of another size instead"
    )
    encode.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    encode.set_defaults(func=run_encode)

    decode = subparsers.add_parser(
        "decode",
        help="decode a .srdp bitstream under a chosen PLF",
        description=(
            "Decode a .srdp stream with the head of your choice: mse (MMSE, blurry at low "
            "rate), fmd (every frame looks real), jd (the clip looks real as a whole, early "
            "mistakes persist), sa (self-adaptive). The same bits decode under every PLF; the "
            "same PLF always gives the same output. OUTPUT's extension picks the format: .mp4, "
            ".mkv, .mov, .avi, .gif, .npy (uint8 (T, H, W)) or a directory for PNG frames. "
            "Nothing is written unless the whole stream decodes."
        ),
    )
    decode.add_argument("input", metavar="IN.srdp", help="stream written by `seqrdp encode`")
    decode.add_argument("-o", "--out", required=True, metavar="OUTPUT", help="decoded video")
    decode.add_argument(
        "--plf", required=True, choices=PLF_CHOICES, help="perception loss function (head)"
    )
    decode.add_argument(
        "--model", metavar="NAME",
        help="model to decode with: a shipped name or a path of your own (default: the shipped "
        "model the stream names; a name in a stream is never taken as a path)",
    )  # fmt: skip
    decode.add_argument("--fps", type=int, default=10, help="frame rate of video outputs")
    decode.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    decode.set_defaults(func=run_decode)

    models = subparsers.add_parser(
        "models",
        help="list the shipped pretrained models",
        description=(
            "List the shipped models: name, dataset, frame size, frames trained for, bits of "
            "frame 1, 2, ... (the last value repeats for longer videos), heads, metrics."
        ),
    )
    models.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    models.set_defaults(func=run_models)


def _one_thread() -> None:
    """Coding one video is a stream of small convolutions: a second thread only adds
    synchronisation (measured ~20x slower per conv on a busy 2-core machine)."""
    import torch

    torch.set_num_threads(1)


def run_encode(args: argparse.Namespace) -> int:
    _one_thread()
    from seqrdp.codec.stream import encode_video, fit_frames, write_encoded
    from seqrdp.data.arrays import load_videoset
    from seqrdp.data.atomic import atomic_output
    from seqrdp.zoo import load_model

    if not 0 <= args.seed <= SEED_MAX:
        raise UsageError(f"--seed {args.seed} is not in 0..2**64-1")
    if args.frames is not None and args.frames < 1:
        raise UsageError(f"--frames must be at least 1, got {args.frames}")
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"-o {out} is a directory; give a file name such as clip.srdp")
    videos = load_videoset(args.input).videos
    if not 0 <= args.sequence < len(videos):
        raise UsageError(f"--sequence {args.sequence}: {args.input} holds {len(videos)} videos")
    frames = videos[args.sequence][: args.frames]
    model, info = load_model(args.model)
    resized = tuple(frames.shape[1:3]) != tuple(model.codec_config.size)
    frames = fit_frames(frames, model, resize=not args.no_resize)
    encoded = encode_video(model, info, frames, args.seed)
    with atomic_output(out) as partial, open(partial, "wb") as stream:
        size = write_encoded(stream, encoded)
    summary = {
        "input": str(args.input),
        "output": str(out),
        "resized": resized,
        "bytes": size,
        **encoded.header.to_dict(),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        h = encoded.header
        print(
            f"{out}: {h.frames} frames {h.height}x{h.width}, {size} bytes "
            f"(header {h.header_bytes} B, symbols {h.nominal_bits} bits = "
            f"{' + '.join(map(str, h.frame_bits))}), model {info.name}, seed {h.seed}"
        )
    return 0


def run_decode(args: argparse.Namespace) -> int:
    _one_thread()
    import numpy as np

    from seqrdp.bitstream import StreamReader
    from seqrdp.codec.stream import decode_frames
    from seqrdp.data.video import write_video
    from seqrdp.progress import progress
    from seqrdp.zoo import load_model

    source = Path(args.input)
    if not source.is_file():
        raise UsageError(f"{source} does not exist or is not a file")
    with open(source, "rb") as stream:
        reader = StreamReader(stream)
        if args.model:
            model, info = load_model(args.model)
        else:  # a name read from the stream is looked up among shipped models, never as a path
            try:
                model, info = load_model(reader.header.model, shipped_only=True)
            except UsageError as exc:
                raise UsageError(f"{exc}; give a model of your own with --model PATH") from None
        frames = list(
            progress(decode_frames(reader, model, info, args.plf), total=reader.header.frames,
                     desc=f"decode ({args.plf})")
        )  # fmt: skip
    write_video(args.out, np.stack(frames), fps=args.fps)
    summary = {"input": str(source), "output": str(args.out), "plf": args.plf,
               "model": info.name, **reader.header.to_dict()}  # fmt: skip
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{args.out}: {len(frames)} frames decoded with the {args.plf} head of {info.name}")
    return 0


def run_models(args: argparse.Namespace) -> int:
    from seqrdp.zoo import list_models

    rows = [info.to_dict() for info in list_models()]
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print("no shipped models", file=sys.stderr)
        return 0
    print(f"{'name':<28} {'dataset':<14} {'size':<8} {'frames':>6}  {'frame_bits':<14} heads")
    for row in rows:
        size = "x".join(map(str, row["size"]))
        bits = ",".join(map(str, row["frame_bits"]))
        print(
            f"{row['name']:<28} {row['dataset']:<14} {size:<8} {row['frames']!s:>6}  "
            f"{bits:<14} {','.join(row['heads'])}"
        )
    return 0
