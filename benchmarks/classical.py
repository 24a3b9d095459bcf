"""Classical codecs through PyAV (libx264, libx265, libsvtav1, libvpx-vp9) in low-delay
settings, and the bits of their elementary streams; shared by ``bench_codecs.py`` and
``bench_codec_speed.py``.

Every codec codes a clip of grey frames as 4:2:0 video whose luma is the grey frame and
whose chroma is flat (128), one packet per frame out as soon as the frame is in (no B-frames,
no lookahead, no hidden frames), with a constant quantiser ``q``:

* x264: ``tune=zerolatency``, ``bframes=0``, ``qp=q`` (0..51);
* x265: ``tune=zerolatency``, ``bframes=0``, ``qp=q`` (0..51), ``info=0`` (no options SEI);
* SVT-AV1: ``pred-struct=1`` (low delay), ``crf=q`` (1..63);
* VP9: ``lag-in-frames=0``, ``auto-alt-ref=0``, ``crf=q`` with ``b=0`` (constant quality),
  ``deadline=good`` (0..63).

Bits are counted on the elementary stream: the sum of packet sizes, no container. SEI NAL
units (x264's options string alone is ~5,000 bits) are removed and not counted; they carry
no picture data, and the stream is decoded *after* their removal, so the bits counted are
bits a decoder needs. Parameter sets (SPS/PPS/VPS, AV1's sequence header) are counted and
also reported on their own.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

# SVT-AV1 prints a banner per encoder unless told to log errors only.
os.environ.setdefault("SVT_LOG", "1")


@dataclass(frozen=True)
class Codec:
    """One classical codec: PyAV encoder and decoder names, its quantiser sweep, its options."""

    name: str
    encoder: str
    decoder: str
    quantiser: str  # what ``q`` is called (qp or crf)
    sweep: tuple[int, ...]  # lowest rate (largest q) first

    def options(self, q: int, *, threads: int = 1, preset: str | None = None) -> dict[str, str]:
        """PyAV encoder options for quantiser ``q``."""
        if self.encoder == "libx264":
            return {
                "preset": preset or "medium",
                "tune": "zerolatency",
                "bframes": "0",
                "qp": str(q),
                "threads": str(threads),
            }
        if self.encoder == "libx265":
            params = f"qp={q}:bframes=0:info=0:log-level=error:pools={threads}:frame-threads=1"
            return {"preset": preset or "medium", "tune": "zerolatency", "x265-params": params}
        if self.encoder == "libsvtav1":
            options = {"crf": str(q), "svtav1-params": f"pred-struct=1:lp={threads}"}
            return options | ({"preset": preset} if preset else {})
        if self.encoder == "libvpx-vp9":
            return {
                "crf": str(q),
                "b": "0",
                "lag-in-frames": "0",
                "auto-alt-ref": "0",
                "deadline": preset or "good",
                "threads": str(threads),
            }
        raise ValueError(f"no settings for {self.encoder}")


CODECS = {
    "x264": Codec("x264", "libx264", "h264", "qp", (51, 45, 39, 33, 27)),
    "x265": Codec("x265", "libx265", "hevc", "qp", (51, 45, 39, 33, 27)),
    "svt-av1": Codec("svt-av1", "libsvtav1", "libdav1d", "crf", (63, 55, 47, 39, 31)),
    "vp9": Codec("vp9", "libvpx-vp9", "vp9", "crf", (63, 55, 47, 39, 31)),
}


@dataclass
class Coded:
    """One clip through one classical codec."""

    frames: np.ndarray  # decoded uint8 (T, H, W)
    bits: int  # the stream a decoder needs: every packet, SEI removed
    parameter_set_bits: int  # of ``bits``: SPS/PPS/VPS or the AV1 sequence header
    sei_bits: int  # removed, not counted
    frame_bits: list[int]  # per frame (packet), SEI removed


def to_yuv420(frame: np.ndarray):
    """A PyAV 4:2:0 frame whose luma is the uint8 grey ``frame`` (H, W) and chroma flat."""
    import av

    h, w = frame.shape
    planes = np.full((h * 3 // 2, w), 128, dtype=np.uint8)
    planes[:h] = frame
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")


def open_encoder(codec: Codec, q: int, size: tuple[int, int], **settings):
    """A PyAV encoder context for ``codec`` at quantiser ``q`` (one stream, no I-frame after
    the first unless the encoder decides one is cheaper)."""
    import av

    context = av.CodecContext.create(codec.encoder, "w")
    context.height, context.width = size
    context.pix_fmt = "yuv420p"
    context.time_base = Fraction(1, 25)
    context.framerate = Fraction(25, 1)
    context.gop_size = 100_000
    context.options = codec.options(q, **settings)
    return context


def open_decoder(codec: Codec, threads: int = 1):
    """A PyAV decoder context that returns each frame from its own packet."""
    import av

    context = av.CodecContext.create(codec.decoder, "r")
    context.thread_count = threads
    return context


def encode_clip(codec: Codec, q: int, clip: np.ndarray, **settings) -> list[bytes]:
    """Packets (bytes) of a uint8 clip (T, H, W), one per frame."""
    encoder = open_encoder(codec, q, clip.shape[1:], **settings)
    packets: list[bytes] = []
    for t, frame in enumerate(clip):
        picture = to_yuv420(frame)
        picture.pts = t
        packets += [bytes(p) for p in encoder.encode(picture)]
    packets += [bytes(p) for p in encoder.encode(None)]
    return packets


def decode_packets(codec: Codec, packets: Sequence[bytes], size: tuple[int, int]) -> np.ndarray:
    """Luma of every decoded frame, uint8 (T, H, W)."""
    import av

    decoder = open_decoder(codec)
    frames = []
    for data in [*packets, None]:
        for picture in decoder.decode(None if data is None else av.Packet(data)):
            frames.append(picture.to_ndarray(format="yuv420p")[: size[0]])
    return np.stack(frames)


def code_clip(codec: Codec, q: int, clip: np.ndarray, **settings) -> Coded:
    """Encode, count the bits, strip SEI and decode what is left."""
    packets = encode_clip(codec, q, clip, **settings)
    kept, parameter_sets, sei = [], 0, 0
    for packet in packets:
        data, p, s = split_units(codec, packet)
        kept.append(data)
        parameter_sets += p
        sei += s
    frames = decode_packets(codec, kept, clip.shape[1:])
    if frames.shape != clip.shape:
        raise RuntimeError(f"{codec.name} q={q}: decoded {frames.shape}, coded {clip.shape}")
    frame_bits = [8 * len(data) for data in kept]
    return Coded(frames, sum(frame_bits), 8 * parameter_sets, 8 * sei, frame_bits)


def split_units(codec: Codec, packet: bytes) -> tuple[bytes, int, int]:
    """``(packet without SEI, parameter-set bytes, SEI bytes)``."""
    if codec.decoder in ("h264", "hevc"):
        return _split_annex_b(packet, hevc=codec.decoder == "hevc")
    if codec.decoder == "libdav1d":
        return packet, _av1_sequence_header_bytes(packet), 0
    return packet, 0, 0  # VP9: the frame header is inside the frame


def _split_annex_b(packet: bytes, *, hevc: bool) -> tuple[bytes, int, int]:
    """H.264 / H.265 Annex B: NAL units after 00 00 01 start codes (with any leading zero)."""
    starts = []
    i = 0
    while (i := packet.find(b"\x00\x00\x01", i)) >= 0:
        begin = i - 1 if i > 0 and packet[i - 1] == 0 else i
        starts.append((begin, i + 3))
        i += 3
    kept, parameter_sets, sei = bytearray(), 0, 0
    for k, (begin, payload) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(packet)
        unit = packet[begin:end]
        kind = (packet[payload] >> 1) & 0x3F if hevc else packet[payload] & 0x1F
        if kind in ((39, 40) if hevc else (6,)):
            sei += len(unit)
            continue
        if kind in ((32, 33, 34) if hevc else (7, 8)):
            parameter_sets += len(unit)
        kept += unit
    return bytes(kept), parameter_sets, sei


def _av1_sequence_header_bytes(packet: bytes) -> int:
    """Bytes of sequence-header OBUs (type 1) in a low-overhead AV1 packet."""
    i, total = 0, 0
    while i < len(packet):
        header = packet[i]
        kind, extension, has_size = (header >> 3) & 0xF, (header >> 2) & 1, (header >> 1) & 1
        j = i + 1 + extension
        if not has_size:
            size = len(packet) - j
        else:
            size, shift = 0, 0
            while True:
                byte = packet[j]
                size |= (byte & 0x7F) << shift
                j += 1
                shift += 7
                if not byte & 0x80:
                    break
        end = j + size
        if kind == 1:
            total += end - i
        i = end
    return total
