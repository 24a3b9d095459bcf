"""``seqrdp encode``, ``seqrdp decode`` and ``seqrdp models``: real bitstreams from the shipped
(or your own) models, with the PLF chosen at the decoder.

One stream holds one clip. A dataset file of ``N > 1`` clips is coded into a directory of
streams ``clip-00000.srdp``, ``clip-00001.srdp``, … (clip ``i`` with seed ``--seed + i``),
and such a directory decodes back into one ``(N, T, H, W)`` ``.npy``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seqrdp.bitstream import MAX_FRAMES
from seqrdp.cli_args import add_json
from seqrdp.errors import UsageError
from seqrdp.plfs import HEADS

SEED_MAX = 2**64 - 1
CLIP_NAME = "clip-{:05d}.srdp"
CLIP_GLOB = "clip-*.srdp"
MAX_CLIPS = 100_000  # five digits in the clip names
BATCH = 16  # clips coded at once when coding a dataset
MAX_BATCH = 1024


def register(subparsers: Any) -> None:
    encode = subparsers.add_parser(
        "encode",
        help="compress a video (or every clip of a dataset) to .srdp bitstreams",
        description=(
            "Compress a video to a .srdp file of fixed-rate symbols. INPUT is anything the "
            "data layer reads: a video file FFmpeg decodes (mp4, avi, mkv, ...), a directory of "
            "PNG frames, or a uint8 .npy of shape (T, H, W) or (N, T, H, W). A file of N > 1 "
            "clips is coded whole, in batches, into the directory OUT: OUT/clip-00000.srdp, "
            "OUT/clip-00001.srdp, ..., clip i with the seed --seed + i (recorded in its "
            "header), each stream identical to coding that clip alone; --sequence I codes clip "
            "I alone into the file OUT. Colour is converted to the model's channels; frames of "
            "another size are center-cropped and resized to the model's frame size (or "
            f"rejected with --no-resize). A stream holds at most {MAX_FRAMES} frames. The PLF "
            "is not chosen here: any head decodes the same bits."
        ),
    )
    encode.add_argument("input", metavar="INPUT", help="video file, PNG directory or .npy")
    encode.add_argument(
        "-o", "--out", required=True, metavar="OUT",
        help="output stream (OUT.srdp); for a dataset of several clips, a directory",
    )  # fmt: skip
    encode.add_argument(
        "--model", required=True, metavar="NAME", help="shipped model (see `seqrdp models`) "
        "or a run directory / .safetensors checkpoint of your own",
    )  # fmt: skip
    encode.add_argument("--frames", type=int, metavar="N", help="code only the first N frames")
    encode.add_argument(
        "--seed", type=int, default=0, metavar="S",
        help="shared-randomness seed stored in the stream (dither, decoder noise); clip i of "
        "a dataset gets S + i (mod 2**64); default 0",
    )  # fmt: skip
    encode.add_argument(
        "--sequence", type=int, default=None, metavar="I",
        help="code only clip I of an (N, T, H, W) .npy, into one file (default: every clip)",
    )  # fmt: skip
    encode.add_argument(
        "--batch", type=int, default=BATCH, metavar="B",
        help=f"clips coded at once when coding a dataset (default {BATCH})",
    )  # fmt: skip
    encode.add_argument(
        "--no-resize", action="store_true", help="reject frames of another size instead"
    )
    add_json(encode, "a JSON summary")
    encode.set_defaults(func=run_encode)

    decode = subparsers.add_parser(
        "decode",
        help="decode .srdp bitstreams under a chosen PLF",
        description=(
            "Decode a .srdp stream with the head of your choice: mse (MMSE, blurry at low "
            "rate), fmd (every frame looks real), jd (the clip looks real as a whole, early "
            "mistakes persist), sa (self-adaptive). The same bits decode under every PLF; the "
            "same PLF always gives the same output. OUTPUT's extension picks the format: .mp4, "
            ".mkv, .mov, .avi, .gif, .npy (uint8 (T, H, W)) or a name without extension (a "
            "directory of PNG frames). IN may also be a directory written by `seqrdp encode` "
            "of a dataset: its clip-*.srdp streams decode into one (N, T, H, W) .npy. "
            f"A stream may declare 1..{MAX_FRAMES} frames; its frame size, channels and rates "
            "must be those of the model (the shipped models: 64x64 grey), and its model "
            "identity must match. Frames are decoded and written one at a time, so memory does "
            "not grow with the number of frames (a GIF excepted); time does, about 10-15 ms a "
            "frame on one core for the shipped models. Nothing is written unless every stream "
            "decodes."
        ),
    )
    decode.add_argument(
        "input", metavar="IN", help="stream written by `seqrdp encode`, or a directory of them"
    )
    decode.add_argument("-o", "--out", required=True, metavar="OUTPUT", help="decoded video")
    decode.add_argument(
        "--plf", required=True, choices=HEADS, help="perception loss function (head)"
    )
    decode.add_argument(
        "--model", metavar="NAME",
        help="model to decode with: a shipped name or a path of your own (default: the shipped "
        "model the stream names; a name in a stream is never taken as a path)",
    )  # fmt: skip
    decode.add_argument(
        "--fps", type=int, default=10, help="frame rate of video outputs, 1..1000 (default 10)"
    )
    add_json(decode, "a JSON summary")
    decode.set_defaults(func=run_decode)

    models = subparsers.add_parser(
        "models",
        help="list the shipped pretrained models",
        description=(
            "List the shipped models: name, dataset, frame size, frames trained for, bits of "
            "frame 1, 2, ... (the last value repeats for longer videos), heads, metrics."
        ),
    )
    add_json(models, "a JSON list")
    models.set_defaults(func=run_models)


def _one_thread() -> None:
    """Coding one video is a stream of small convolutions: a second thread only adds
    synchronisation (measured ~20x slower per conv on a busy 2-core machine)."""
    import torch

    torch.set_num_threads(1)


def run_encode(args: argparse.Namespace) -> int:
    from seqrdp.data.arrays import load_videoset
    from seqrdp.outputs import check_output
    from seqrdp.zoo import load_model

    start = time.perf_counter()
    if not 0 <= args.seed <= SEED_MAX:
        raise UsageError(f"--seed {args.seed} is not in 0..2**64-1")
    if args.frames is not None and not 1 <= args.frames <= MAX_FRAMES:
        raise UsageError(f"--frames must be in 1..{MAX_FRAMES} (what a stream holds)")
    if not 1 <= args.batch <= MAX_BATCH:
        raise UsageError(f"--batch must be in 1..{MAX_BATCH}, got {args.batch}")
    out = Path(args.out)
    if not args.out.strip():
        raise UsageError("the output path is empty")
    data = load_videoset(args.input, mmap=True)
    if args.sequence is not None and not 0 <= args.sequence < len(data):
        raise UsageError(f"--sequence {args.sequence}: {args.input} holds {len(data)} videos")
    whole = args.sequence is None and len(data) > 1
    if whole:
        if out.suffix == ".srdp":
            raise UsageError(
                f"{args.input} holds {len(data)} clips: -o names a directory for all of them "
                "(clip-00000.srdp, ...), or pick one with --sequence I"
            )
        if len(data) > MAX_CLIPS:
            raise UsageError(f"{args.input} holds {len(data)} clips; at most {MAX_CLIPS} a call")
    check_output(out, directory=whole)
    videos = data.videos[:, : args.frames]
    if videos.shape[1] > MAX_FRAMES:
        raise UsageError(
            f"{args.input} has {videos.shape[1]} frames; a stream holds at most {MAX_FRAMES} "
            "(code the first N with --frames N)"
        )
    _one_thread()
    model, info = load_model(args.model)
    size = tuple(model.codec_config.size)
    resized = tuple(videos.shape[2:4]) != size
    if resized and args.no_resize:
        raise UsageError(
            f"frames are {videos.shape[2]}x{videos.shape[3]}, the model codes "
            f"{size[0]}x{size[1]} (drop --no-resize to resize them)"
        )
    if whole:
        summary = _encode_clips(args, videos, model, info, out)
    else:
        summary = _encode_one(args, videos[args.sequence or 0], model, info, out)
    summary = {"input": str(args.input), "output": str(out), "resized": resized, **summary}
    summary["seconds"] = round(time.perf_counter() - start, 3)
    if args.json:
        print(json.dumps(summary))
    return 0


def _encode_one(args: argparse.Namespace, frames, model, info, out: Path) -> dict[str, Any]:
    from seqrdp.codec.stream import encode_video, fit_frames, write_encoded
    from seqrdp.data.atomic import atomic_output

    encoded = encode_video(model, info, fit_frames(frames, model), args.seed)
    with atomic_output(out) as partial, open(partial, "wb") as stream:
        size = write_encoded(stream, encoded)
    h = encoded.header
    if not args.json:
        print(
            f"{out}: {h.frames} frames {h.height}x{h.width}, {size} bytes "
            f"(header {h.header_bytes} B, symbols {h.nominal_bits} bits = "
            f"{' + '.join(map(str, h.frame_bits))}), model {info.name}, seed {h.seed}"
        )
    return {"bytes": size, "bits": h.nominal_bits, **h.to_dict()}


def _encode_clips(args: argparse.Namespace, videos, model, info, out: Path) -> dict[str, Any]:
    """Every clip, ``args.batch`` at a time, into ``out/clip-NNNNN.srdp``."""
    import numpy as np
    import torch

    from seqrdp.bitstream import write_stream
    from seqrdp.codec.stream import fit_frames, stream_header
    from seqrdp.data.dataset import frames_to_tensor
    from seqrdp.progress import progress

    clips = len(videos)
    seeds = [(args.seed + i) % (SEED_MAX + 1) for i in range(clips)]
    total_bytes = total_bits = 0
    with _replacing_clips(out) as staging, progress(total=clips, desc="encode") as bar:
        for lo in range(0, clips, args.batch):
            hi = min(lo + args.batch, clips)
            fitted = [fit_frames(np.asarray(videos[i]), model) for i in range(lo, hi)]
            batch = [frames_to_tensor(frames) for frames in fitted]
            symbols = model.compress(torch.stack(batch), seeds[lo:hi])
            for j, i in enumerate(range(lo, hi)):
                clip = [frame[j] for frame in symbols]
                header = stream_header(model, info, clip, seeds[i])
                with open(staging / CLIP_NAME.format(i), "wb") as stream:
                    total_bytes += write_stream(stream, header, clip)
                total_bits += header.nominal_bits
            bar.update(hi - lo)
    summary = {
        "clips": clips,
        "frames": int(videos.shape[1]),
        "model": info.name,
        "frame_bits": list(header.frame_bits),
        "seeds": [seeds[0], seeds[-1]],
        "bits": total_bits,
        "bytes": total_bytes,
    }
    if not args.json:
        print(
            f"{out}: {clips} streams {CLIP_NAME.format(0)} .. {CLIP_NAME.format(clips - 1)}, "
            f"{summary['frames']} frames each, {total_bytes} bytes ({total_bits} bits of "
            f"symbols), model {info.name}, seeds {seeds[0]}..{seeds[-1]}"
        )
    return summary


@contextlib.contextmanager
def _replacing_clips(out: Path) -> Iterator[Path]:
    """A staging directory for clip files; on success they replace ``out``'s clip files
    (other files stay), on failure ``out`` is left as it was and the staging removed."""
    from seqrdp.data.atomic import atomic_output

    if not out.exists():
        with atomic_output(out) as staging:
            staging.mkdir()
            yield staging
        return
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".clips."))
    try:
        yield staging
        for stale in out.glob(CLIP_GLOB):
            stale.unlink()
        for file in sorted(staging.iterdir()):
            os.replace(file, out / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run_decode(args: argparse.Namespace) -> int:
    from seqrdp.data.video import MAX_FPS

    start = time.perf_counter()
    source = Path(args.input)
    if not 1 <= args.fps <= MAX_FPS:
        raise UsageError(f"--fps must be in 1..{MAX_FPS}, got {args.fps}")
    if source.is_dir():
        summary = _decode_clips(args, source)
    elif source.is_file():
        summary = _decode_one(args, source)
    else:
        raise UsageError(f"{source} does not exist")
    summary["seconds"] = round(time.perf_counter() - start, 3)
    if args.json:
        print(json.dumps(summary))
    return 0


def _model_for(args: argparse.Namespace, name: str):
    from seqrdp.zoo import load_model

    if args.model:
        return load_model(args.model)
    try:  # a name read from the stream is looked up among shipped models, never as a path
        return load_model(name, shipped_only=True)
    except UsageError as exc:
        raise UsageError(f"{exc}; give a model of your own with --model PATH") from None


def _decode_one(args: argparse.Namespace, source: Path) -> dict[str, Any]:
    from seqrdp.bitstream import StreamReader
    from seqrdp.codec.stream import decode_frames
    from seqrdp.data.video import write_video_frames
    from seqrdp.outputs import check_output
    from seqrdp.progress import progress

    out = Path(args.out)
    check_output(args.out, directory=out.suffix == "" or out.is_dir())  # PNG frames
    _one_thread()
    with open(source, "rb") as stream:
        reader = StreamReader(stream)
        header = reader.header
        model, info = _model_for(args, header.model)
        frames = progress(decode_frames(reader, model, info, args.plf), total=header.frames,
                          desc=f"decode ({args.plf})")  # fmt: skip
        write_video_frames(out, frames, count=header.frames, fps=args.fps)
    if not args.json:
        print(f"{out}: {header.frames} frames decoded with the {args.plf} head of {info.name}")
    return {"input": str(source), "output": str(out), "plf": args.plf, "model": info.name,
            "bits": header.nominal_bits, "bytes": header.stream_bytes,
            **header.to_dict()}  # fmt: skip


def _decode_clips(args: argparse.Namespace, source: Path) -> dict[str, Any]:
    """Every ``clip-NNNNN.srdp`` of ``source`` into one ``(N, T, H, W[, 3])`` ``.npy``."""
    from seqrdp.bitstream import StreamReader
    from seqrdp.codec.stream import decode_frames
    from seqrdp.data.npy import write_npy_frames
    from seqrdp.outputs import check_output
    from seqrdp.progress import progress

    out = check_output(args.out)
    if out.suffix != ".npy":
        raise UsageError(f"{source} is a directory of clips: -o must be a .npy for all of them")
    paths = sorted(source.glob(CLIP_GLOB))
    if not paths:
        raise UsageError(f"{source} holds no {CLIP_GLOB} streams")
    for i, path in enumerate(paths):
        if path.name != CLIP_NAME.format(i):
            raise UsageError(f"{source} has {path.name} where {CLIP_NAME.format(i)} should be")
    headers = []
    for path in paths:  # every header first: the output's shape, and no decode of a bad set
        with open(path, "rb") as stream:
            headers.append(StreamReader(stream).header)
    first = headers[0]
    for path, header in zip(paths, headers, strict=True):
        layout = (header.model, header.frames, header.height, header.width, header.channels)
        if layout != (first.model, first.frames, first.height, first.width, first.channels):
            raise UsageError(
                f"{path.name} differs from {paths[0].name} in model, frames or frame size; "
                "a directory decodes into one array"
            )
    _one_thread()
    model, info = _model_for(args, first.model)
    pixel = (first.height, first.width) + ((first.channels,) if first.channels > 1 else ())
    shape = (len(paths), first.frames, *pixel)

    def frames():
        for path in paths:
            with open(path, "rb") as stream:
                yield from decode_frames(StreamReader(stream), model, info, args.plf)

    total = len(paths) * first.frames
    bar = progress(frames(), total=total, desc=f"decode ({args.plf})")
    write_npy_frames(out, shape, bar)
    if not args.json:
        print(f"{out}: {len(paths)} clips x {first.frames} frames decoded with the {args.plf} "
              f"head of {info.name}")  # fmt: skip
    return {
        "input": str(source),
        "output": str(out),
        "plf": args.plf,
        "model": info.name,
        "clips": len(paths),
        "frames": first.frames,
        "shape": list(shape),
        "bits": sum(h.nominal_bits for h in headers),
        "bytes": sum(h.stream_bytes for h in headers),
    }


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
