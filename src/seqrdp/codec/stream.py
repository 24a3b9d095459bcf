"""Video ⇄ ``.srdp`` stream with a learned codec: the data path of docs/design.md,
video → tensor → symbols → bytes → symbols → tensor → video.

One stream holds one video. The decoder chooses the head (PLF) when it decodes; every head
reads the same bits because the P-frame reference is the MMSE reconstruction, which encoder and
decoder both compute.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import torch

from seqrdp.bitstream import Header, StreamReader, write_stream
from seqrdp.codec.loading import ModelInfo
from seqrdp.data.dataset import frames_to_tensor, tensor_to_frames
from seqrdp.data.resize import resize_frames
from seqrdp.data.video import to_grey, to_rgb
from seqrdp.errors import UsageError
from seqrdp.plfs import MMSE_HEAD


@dataclass(frozen=True)
class Encoded:
    """The result of :func:`encode_video`: the header, the symbols of each frame and the
    encoder's own MMSE reconstruction (uint8 frames; the decoder's MMSE head must equal it)."""

    header: Header
    symbols: list[np.ndarray]
    reconstruction: np.ndarray


def fit_frames(frames: np.ndarray, model, *, resize: bool = True) -> np.ndarray:
    """Frames (T, H, W[, 3]) uint8 converted to the model's channels and, when ``resize``,
    center-cropped and resized to its frame size; otherwise a size mismatch is an error."""
    channels = model.codec_config.channels
    frames = to_grey(frames) if channels == 1 else to_rgb(frames)
    size = tuple(model.codec_config.size)
    if tuple(frames.shape[1:3]) != size:
        if not resize:
            raise UsageError(
                f"frames are {frames.shape[1]}x{frames.shape[2]}, the model codes "
                f"{size[0]}x{size[1]} (and resizing is off)"
            )
        frames = resize_frames(frames, size)
    return frames


def encode_video(model, info: ModelInfo, frames: np.ndarray, seed: int) -> Encoded:
    """Compress uint8 frames (T, H, W[, 3]) already fitted to ``model`` (see :func:`fit_frames`)."""
    video = frames_to_tensor(frames)[None]  # (1, T, C, H, W)
    symbols = [s[0] for s in model.compress(video, [seed])]
    header = stream_header(model, info, symbols, seed)
    with torch.no_grad():
        mmse = model.decompress([s[None] for s in symbols], [seed], MMSE_HEAD)
    return Encoded(header, symbols, tensor_to_frames(mmse[0]))


def stream_header(model, info: ModelInfo, symbols: list[np.ndarray], seed: int) -> Header:
    """The header of one clip's stream: ``symbols`` holds each frame's symbols (``(dims_t,)``),
    and the stream id is a digest of the content (:meth:`Header.with_content_id`), so the same
    clip, model and seed always give the same bytes."""
    config = model.codec_config
    header = Header(
        model=info.name,
        weights_hash=info.weights_hash,
        height=config.size[0],
        width=config.size[1],
        channels=config.channels,
        frames=len(symbols),
        dims=[s.size for s in symbols],
        levels=[config.levels] * len(symbols),
        seed=seed,
        stream_id=0,
    )
    return header.with_content_id(symbols)


def write_encoded(fileobj: BinaryIO, encoded: Encoded) -> int:
    """Write the stream; returns its size in bytes (``encoded.header.stream_bytes``)."""
    return write_stream(fileobj, encoded.header, encoded.symbols)


def check_model(header: Header, model, info: ModelInfo) -> None:
    """The stream must have been written by exactly this model (its identity covers the
    weights and the codec config: :func:`seqrdp.codec.loading.model_hash`) and frame layout."""
    if header.weights_hash != info.weights_hash:
        raise UsageError(
            f"model hash mismatch: the stream was written by another model than {info.name!r} "
            f"({header.weights_hash.hex()[:12]}… vs {info.weights_hash.hex()[:12]}…)"
        )
    config = model.codec_config
    expected = (config.size[0], config.size[1], config.channels)
    if (header.height, header.width, header.channels) != expected:
        raise UsageError(
            f"stream frames are {header.height}x{header.width}x{header.channels}, model "
            f"{info.name!r} codes {expected[0]}x{expected[1]}x{expected[2]}"
        )
    for t, (dims, levels) in enumerate(zip(header.dims, header.levels, strict=True), start=1):
        if dims != model.frame_dims(t) or levels != config.levels:
            raise UsageError(
                f"frame {t} has {dims} symbols of {levels} levels; model {info.name!r} "
                f"expects {model.frame_dims(t)} of {config.levels}"
            )


def decode_frames(reader: StreamReader, model, info: ModelInfo, plf: str) -> Iterator[np.ndarray]:
    """Yield decoded uint8 frames (H, W[, 3]) one by one, each as soon as its chunk is read."""
    header = reader.header
    check_model(header, model, info)
    symbols = (s[None] for _, s in reader)
    for frame in model.decompress_frames(symbols, [header.seed], plf):
        yield tensor_to_frames(frame)[0]  # the batch of one is read as one frame
