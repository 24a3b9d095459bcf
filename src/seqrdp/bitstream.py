"""The ``.srdp`` container: one video's fixed-rate symbols, framed for low-latency decoding.

The learned codec quantises frame ``t`` to ``dims_t`` symbols, each in ``[0, L_t)`` with ``L_t``
a power of two, so the frame costs exactly ``bits_t = dims_t · log2 L_t`` bits (fixed-rate,
dithered quantisation; ``docs/codec.md``). A stream is a header (what the decoder needs: model,
weights hash, a stream id, frame geometry, per-frame rates, shared-randomness seed) followed by
one chunk per frame of MSB-first packed symbols, each closed by its own CRC-32 so that a
streaming decoder can verify frame ``t`` and emit it before frame ``t + 1`` has arrived. Each
frame's CRC covers the stream id and the previous frame's CRC, so a chunk moved within a stream
or spliced in from another stream fails verification.

File size (bytes) of a version-2 stream, exactly::

    stream_bytes = 71 + len(model.encode("utf-8")) + 9 · runs + Σ_t (ceil(bits_t / 8) + 4)

where ``runs`` is the number of maximal runs of consecutive frames sharing ``(dims, L)``. The
byte layout, checksums, guarantees and error behaviour are specified in ``docs/bitstream.md``.
Version-1 streams (no stream id, 8 bytes shorter) are still read.

Every malformed input raises :class:`BitstreamError` (a :class:`~seqrdp.errors.UsageError`) with
a one-line message; no size read from the stream is trusted before the bytes it announces are
present, so forged lengths cannot trigger large allocations.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import secrets
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from typing import BinaryIO

import numpy as np

from seqrdp.errors import UsageError

MAGIC = b"SRDP"
VERSION = 2  # what is written
READ_VERSIONS = (1, 2)  # what is read

MAX_MODEL_BYTES = 255
HASH_BYTES = 32  # a whole SHA-256 digest: the model's identity
MAX_SIDE = 16384  # height and width
MAX_CHANNELS = 255
# A bound a decoder can keep: per-frame tables stay under 100 kB and a valid stream of the
# shipped models decodes in about two minutes on one core. Longer videos are several streams.
MAX_FRAMES = 10_000
MAX_DIMS = 2**20
MAX_SYMBOL_BITS = 16  # levels up to 2**16
MAX_STREAM_ID = 2**64 - 1

# Big-endian throughout. Fields after the variable-length model id, up to the run count:
# hash, [stream id (version 2)], height, width, channels, frames, seed, runs.
_PREFIX = struct.Struct(">4sBB")  # magic, version, model length
_FIXED = {
    1: struct.Struct(f">{HASH_BYTES}sHHBIQI"),
    2: struct.Struct(f">{HASH_BYTES}sQHHBIQI"),
}
_RUN = struct.Struct(">IIB")  # frames in run, dims, log2 levels
_CRC = struct.Struct(">I")
_FRAME_INDEX = struct.Struct(">I")
_STREAM_ID = struct.Struct(">Q")

# Reads are made in pieces no larger than this, so memory grows with the bytes actually present,
# never with a length announced by the stream.
_READ_PIECE = 1 << 16


class BitstreamError(UsageError):
    """A stream (or the data to write into one) that violates the ``.srdp`` format."""


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise BitstreamError(f"{name} {value} out of range {low}..{high}")


def symbol_bits(levels: int) -> int:
    """Bits per symbol, ``log2 L``, for ``L`` levels (a power of two, ``2 ≤ L ≤ 2**16``)."""
    if isinstance(levels, bool) or not isinstance(levels, int | np.integer):
        raise BitstreamError(f"levels must be an integer, got {levels!r}")
    levels = int(levels)
    if levels < 2 or levels & (levels - 1) or levels > 2**MAX_SYMBOL_BITS:
        raise BitstreamError(f"levels {levels} is not a power of two in 2..{2**MAX_SYMBOL_BITS}")
    return levels.bit_length() - 1


def _as_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise BitstreamError(f"{name} must be an integer, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Header:
    """What a decoder needs before the first frame.

    Parameters
    ----------
    model : str
        Model id (name), 1..255 bytes of UTF-8.
    weights_hash : bytes
        The model's identity, a SHA-256 digest (32 bytes) of what decoding depends on
        (:func:`seqrdp.codec.loading.model_hash`: weights and codec config).
    height, width : int
        Frame size in pixels, 1..16384.
    channels : int
        Colour channels per frame, 1..255.
    frames : int
        Frame count ``T``, 1..10000 (:data:`MAX_FRAMES`).
    dims : tuple of int
        ``dims_t``, symbols in frame ``t`` (0..2**20), one per frame.
    levels : tuple of int
        ``L_t``, quantiser levels of frame ``t`` (power of two, 2..2**16), one per frame.
    seed : int
        Shared-randomness seed (dither), an unsigned 64-bit integer.
    stream_id : int or None
        An unsigned 64-bit number that tells this stream from every other: each frame's CRC
        covers it, so a chunk from a stream with another id fails verification. Writers use
        :meth:`with_content_id` (a digest of the header and symbols, what ``seqrdp encode``
        writes) or :func:`random_stream_id` (a live encoder that cannot know its frames in
        advance). ``None`` only for a header read from a version-1 stream, which had no id.

    Lists and NumPy integers are accepted and normalised to tuples of ``int``; an invalid field
    raises :class:`BitstreamError`.
    """

    model: str
    weights_hash: bytes
    height: int
    width: int
    channels: int
    frames: int
    dims: tuple[int, ...]
    levels: tuple[int, ...]
    seed: int
    stream_id: int | None

    def __post_init__(self) -> None:
        if not isinstance(self.model, str):
            raise BitstreamError(f"model must be a string, got {self.model!r}")
        try:
            model_length = len(self.model.encode("utf-8"))
        except UnicodeEncodeError:
            raise BitstreamError(f"model {self.model!r} is not encodable as UTF-8") from None
        _check_range("model id length", model_length, 1, MAX_MODEL_BYTES)
        if not isinstance(self.weights_hash, bytes | bytearray | memoryview):
            raise BitstreamError(f"weights_hash must be bytes, got {type(self.weights_hash)}")
        weights_hash = bytes(self.weights_hash)
        if len(weights_hash) != HASH_BYTES:
            raise BitstreamError(
                f"weights_hash has {len(weights_hash)} bytes, expected {HASH_BYTES} (SHA-256)"
            )
        fields = {
            "height": (1, MAX_SIDE),
            "width": (1, MAX_SIDE),
            "channels": (1, MAX_CHANNELS),
            "frames": (1, MAX_FRAMES),
            "seed": (0, 2**64 - 1),
        }
        if self.stream_id is not None:
            fields["stream_id"] = (0, MAX_STREAM_ID)
        for name, (low, high) in fields.items():
            value = _as_int(name, getattr(self, name))
            _check_range(name, value, low, high)
            object.__setattr__(self, name, value)
        for name in ("dims", "levels"):
            values = getattr(self, name)
            if isinstance(values, str | bytes) or not isinstance(values, Iterable):
                raise BitstreamError(f"{name} must be a sequence of integers, got {values!r}")
            values = tuple(values)
            if not all(type(v) is int for v in values):
                values = tuple(_as_int(name, v) for v in values)
            if len(values) != self.frames:
                raise BitstreamError(f"{name} has {len(values)} entries for {self.frames} frames")
            object.__setattr__(self, name, values)
        # Distinct values only: a 100000-frame header usually has a handful.
        for dims in set(self.dims):
            _check_range("dims", dims, 0, MAX_DIMS)
        for levels in set(self.levels):
            symbol_bits(levels)
        object.__setattr__(self, "weights_hash", weights_hash)

    @property
    def version(self) -> int:
        """Format version the header is written in: 2, or 1 for a header without a stream id."""
        return 1 if self.stream_id is None else VERSION

    def with_content_id(self, frames_symbols: Iterable[np.ndarray]) -> Header:
        """This header with ``stream_id`` set from its content: the first 8 bytes (big-endian)
        of ``SHA-256(header bytes with stream id 0 ‖ chunk_0 ‖ … ‖ chunk_{T−1})``.

        Deterministic, so the same video coded twice gives the same stream, and two streams
        that share an id share every byte (up to a 2^−64 chance per pair).
        """
        digest = hashlib.sha256(dataclasses.replace(self, stream_id=0).to_bytes())
        count = 0
        for t, symbols in enumerate(frames_symbols):
            if t >= self.frames:
                raise BitstreamError(f"more than {self.frames} frames of symbols given")
            digest.update(_frame_chunk(self, t, symbols))
            count = t + 1
        if count != self.frames:
            raise BitstreamError(f"got {count} frames of symbols, header says {self.frames}")
        return dataclasses.replace(self, stream_id=int.from_bytes(digest.digest()[:8], "big"))

    @cached_property
    def frame_bits(self) -> tuple[int, ...]:
        """``bits_t = dims_t · log2 L_t``, the exact rate of each frame in bits."""
        # One int object per distinct (dims, levels): 100000 frames cost one tuple, not 100000 ints.
        pairs = set(zip(self.dims, self.levels, strict=True))
        bits = {(d, lv): d * symbol_bits(lv) for d, lv in pairs}
        return tuple(bits[frame] for frame in zip(self.dims, self.levels, strict=True))

    @property
    def nominal_bits(self) -> int:
        """``Σ_t bits_t``: the symbols' bits, without header, padding or checksums."""
        return sum(self.frame_bits)

    @cached_property
    def runs(self) -> tuple[tuple[int, int, int], ...]:
        """Maximal runs ``(count, dims, log2 L)`` of consecutive frames, as stored."""
        symbol = {levels: symbol_bits(levels) for levels in set(self.levels)}
        runs: list[list[int]] = []
        previous = None
        for frame in zip(self.dims, self.levels, strict=True):
            if frame == previous:
                runs[-1][0] += 1
            else:
                runs.append([1, frame[0], symbol[frame[1]]])
                previous = frame
        return tuple((count, dims, symbol) for count, dims, symbol in runs)

    @property
    def header_bytes(self) -> int:
        """Encoded header size: ``71 + len(model in UTF-8) + 9 · runs`` bytes (63 + … in
        version 1)."""
        return (
            _PREFIX.size
            + len(self.model.encode("utf-8"))
            + _FIXED[self.version].size
            + _RUN.size * len(self.runs)
            + _CRC.size
        )

    @cached_property
    def chunk_bytes(self) -> tuple[int, ...]:
        """Payload bytes of each frame, ``ceil(bits_t / 8)`` (its checksum not included)."""
        size = {bits: -(-bits // 8) for bits in set(self.frame_bits)}
        return tuple(size[bits] for bits in self.frame_bits)

    @property
    def stream_bytes(self) -> int:
        """Exact file size: ``header_bytes + Σ_t (ceil(bits_t / 8) + 4)``."""
        return self.header_bytes + sum(self.chunk_bytes) + _CRC.size * self.frames

    def to_bytes(self) -> bytes:
        """The encoded header, checksum included."""
        model = self.model.encode("utf-8")
        runs = self.runs
        geometry = (self.height, self.width, self.channels, self.frames, self.seed, len(runs))
        ids = () if self.stream_id is None else (self.stream_id,)
        body = b"".join(
            [
                _PREFIX.pack(MAGIC, self.version, len(model)),
                model,
                _FIXED[self.version].pack(self.weights_hash, *ids, *geometry),
                *(_RUN.pack(*run) for run in runs),
            ]
        )
        return body + _CRC.pack(zlib.crc32(body))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description (hash as hex, rates per frame)."""
        return {
            "format_version": self.version,
            "model": self.model,
            "weights_hash": self.weights_hash.hex(),
            # Hex, like the hash: a u64 does not survive JSON readers that use doubles.
            "stream_id": None if self.stream_id is None else f"{self.stream_id:016x}",
            "height": self.height,
            "width": self.width,
            "channels": self.channels,
            "frames": self.frames,
            "dims": list(self.dims),
            "levels": list(self.levels),
            "frame_bits": list(self.frame_bits),
            "nominal_bits": self.nominal_bits,
            "seed": self.seed,
            "header_bytes": self.header_bytes,
            "stream_bytes": self.stream_bytes,
        }


def random_stream_id() -> int:
    """A fresh random stream id (64 bits from the OS), for a writer that cannot digest its
    frames before sending them (see :meth:`Header.with_content_id`)."""
    return secrets.randbits(64)


def weights_hash(path: str | PathLike[str]) -> bytes:
    """SHA-256 digest (32 bytes) of a weights file's bytes, as stored in :class:`Header`."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for piece in iter(lambda: file.read(1 << 20), b""):
            digest.update(piece)
    return digest.digest()


def pack_symbols(symbols: np.ndarray, levels: int) -> bytes:
    """Pack symbols in ``[0, levels)`` MSB-first, ``log2 levels`` bits each.

    The result has ``ceil(dims · log2 L / 8)`` bytes; the unused low bits of the last byte are 0.
    Example: levels 4, symbols ``[3, 0, 1, 2]`` → ``0b11_00_01_10``.
    """
    bits = symbol_bits(levels)
    array = np.asarray(symbols)
    if array.ndim != 1:
        raise BitstreamError(f"symbols must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        return b""
    if not np.issubdtype(array.dtype, np.integer):
        raise BitstreamError(f"symbols must be integers, got dtype {array.dtype}")
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= levels:
        bad = low if low < 0 else high
        raise BitstreamError(f"symbol {bad} out of range 0..{levels - 1}")
    if bits == 8:
        return array.astype(np.uint8).tobytes()
    if bits == 16:
        return array.astype(">u2").tobytes()
    shifts = np.arange(bits - 1, -1, -1, dtype=np.uint32)
    planes = (array.astype(np.uint32)[:, None] >> shifts) & 1
    return np.packbits(planes.astype(np.uint8).ravel()).tobytes()


def unpack_symbols(data: bytes, dims: int, levels: int) -> np.ndarray:
    """Invert :func:`pack_symbols`: ``dims`` symbols (``int64``) from ``ceil(bits / 8)`` bytes.

    Raises :class:`BitstreamError` if ``data`` has any other length or nonzero padding bits.
    """
    bits = symbol_bits(levels)
    dims = _as_int("dims", dims)
    _check_range("dims", dims, 0, MAX_DIMS)
    expected = -(-dims * bits // 8)
    if len(data) != expected:
        raise BitstreamError(
            f"{len(data)} payload bytes for {dims} symbols of {bits} bits, expected {expected}"
        )
    buffer = np.frombuffer(data, dtype=np.uint8)
    if bits == 8:
        return buffer.astype(np.int64)
    if bits == 16:
        return buffer.view(">u2").astype(np.int64)
    planes = np.unpackbits(buffer)
    if planes[dims * bits :].any():
        raise BitstreamError("nonzero padding bits after the last symbol")
    weights = np.left_shift(1, np.arange(bits - 1, -1, -1), dtype=np.int64)
    return planes[: dims * bits].reshape(dims, bits).astype(np.int64) @ weights


def _frame_crc(header: Header, previous_crc: int, t: int, chunk: bytes) -> int:
    """The CRC-32 stored after chunk ``t``.

    Version 2: ``CRC-32(stream id (8 bytes) ‖ previous CRC (4) ‖ t (4) ‖ chunk)``, where the
    previous CRC is the header's for ``t = 0`` and frame ``t − 1``'s after. The stream id makes
    a chunk of another stream fail even when the two headers are otherwise equal; the chain
    makes every accepted stream one that a writer wrote, in order. Version 1:
    ``CRC-32(header CRC ‖ t ‖ chunk)``, with ``previous_crc`` the header's CRC.
    """
    prefix = _CRC.pack(previous_crc) + _FRAME_INDEX.pack(t)
    if header.stream_id is not None:
        prefix = _STREAM_ID.pack(header.stream_id) + prefix
    return zlib.crc32(chunk, zlib.crc32(prefix))


def _frame_chunk(header: Header, t: int, symbols: np.ndarray) -> bytes:
    """Frame ``t``'s packed symbols, checked against the header's ``dims_t`` and ``L_t``."""
    array = np.asarray(symbols)
    if array.shape != (header.dims[t],):
        raise BitstreamError(
            f"frame {t}: symbols have shape {array.shape}, header says ({header.dims[t]},)"
        )
    try:
        return pack_symbols(array, header.levels[t])
    except BitstreamError as exc:
        raise BitstreamError(f"frame {t}: {exc}") from None


def write_stream(fileobj: BinaryIO, header: Header, frames_symbols: Iterable[np.ndarray]) -> int:
    """Write one video: the header, then each frame's chunk and checksum as soon as it is given.

    ``frames_symbols`` may be a generator (a live encoder); after each frame the file object is
    flushed (if it can be) so a reader at the other end can decode it without waiting.

    Returns
    -------
    int
        Bytes written, equal to ``header.stream_bytes``.
    """
    if not isinstance(header, Header):
        raise BitstreamError(f"header must be a Header, got {type(header).__name__}")
    flush = getattr(fileobj, "flush", None)
    encoded = header.to_bytes()
    header_crc = _CRC.unpack(encoded[-_CRC.size :])[0]
    fileobj.write(encoded)
    written = len(encoded)
    frames = iter(frames_symbols)
    previous = header_crc
    for t in range(header.frames):
        symbols = next(frames, None)
        if symbols is None:
            raise BitstreamError(f"got {t} frames of symbols, header says {header.frames}")
        chunk = _frame_chunk(header, t, symbols)
        crc = _frame_crc(header, previous, t, chunk)
        fileobj.write(chunk + _CRC.pack(crc))
        if header.version > 1:
            previous = crc  # version 2 chains the frames; version 1 binds each to the header
        written += len(chunk) + _CRC.size
        if flush is not None:
            flush()
    if next(frames, None) is not None:
        raise BitstreamError(f"more than {header.frames} frames of symbols given")
    return written


def encode(header: Header, frames_symbols: Iterable[np.ndarray]) -> bytes:
    """The whole stream as bytes (see :func:`write_stream`)."""
    buffer = io.BytesIO()
    write_stream(buffer, header, frames_symbols)
    return buffer.getvalue()


class StreamReader:
    """Read a stream frame by frame: ``for t, symbols in StreamReader(fileobj)``.

    The header is read and verified on construction (``reader.header``). Iteration yields
    ``(t, symbols)`` for ``t = 0..T-1`` as soon as chunk ``t`` and its checksum have been read
    and verified; nothing of chunk ``t + 1`` is read before frame ``t`` is yielded. After the
    last frame the reader checks that the stream ends there.

    ``fileobj`` needs a blocking ``read(n)`` (short reads are fine: a pipe or socket file).
    """

    def __init__(self, fileobj: BinaryIO) -> None:
        self._file = fileobj
        self._offset = 0
        self._next_frame = 0
        self._error: BitstreamError | None = None
        self.header, self._previous_crc = self._read_header()

    def _read(self, size: int, what: str) -> bytes:
        """Exactly ``size`` bytes, or BitstreamError naming the byte where the stream ended."""
        pieces: list[bytes] = []
        got = 0
        while got < size:
            piece = self._file.read(min(size - got, _READ_PIECE))
            if piece is None:
                raise BitstreamError("file object returned no data (it must be blocking)")
            if not piece:
                raise BitstreamError(
                    f"truncated at byte {self._offset + got}: {what} needs {size} bytes, "
                    f"{got} present"
                )
            pieces.append(piece)
            got += len(piece)
        self._offset += size
        return b"".join(pieces)

    def _read_header(self) -> tuple[Header, int]:
        magic = b""
        while len(magic) < len(MAGIC):
            piece = self._file.read(len(MAGIC) - len(magic))
            if not piece:
                break
            magic += piece
        if not MAGIC.startswith(magic):
            raise BitstreamError(f"bad magic {magic!r}, expected {MAGIC!r} (not a seqrdp stream)")
        if not magic:
            raise BitstreamError("truncated at byte 0: empty stream")
        if len(magic) < len(MAGIC):
            raise BitstreamError(f"truncated at byte {len(magic)}: stream ends inside the magic")
        self._offset = len(MAGIC)
        # Only magic and version are fixed across versions; the rest is read once both match.
        (version,) = self._read(1, "format version")
        if version not in READ_VERSIONS:
            raise BitstreamError(
                f"unsupported format version {version} (this seqrdp reads versions "
                f"{' and '.join(map(str, READ_VERSIONS))})"
            )
        (model_length,) = self._read(1, "model id length")
        if model_length == 0:
            raise BitstreamError(f"model id length 0 out of range 1..{MAX_MODEL_BYTES}")
        model = self._read(model_length, "model id")
        fixed = self._read(_FIXED[version].size, "header fields")
        *fields, run_count = _FIXED[version].unpack(fixed)
        if version == 1:
            fields.insert(1, None)  # no stream id
        # Bounded before reading, so a forged count cannot make us wait for or allocate more.
        if not 1 <= run_count <= MAX_FRAMES:
            raise BitstreamError(f"run count {run_count} out of range 1..{MAX_FRAMES}")
        run_bytes = self._read(_RUN.size * run_count, "per-frame rate runs")
        body = _PREFIX.pack(MAGIC, version, model_length) + model + fixed + run_bytes
        (stored_crc,) = _CRC.unpack(self._read(_CRC.size, "header checksum"))
        if zlib.crc32(body) != stored_crc:
            raise BitstreamError(f"header checksum mismatch (bytes 0..{self._offset - 1})")
        return self._parse_header(model, fields, run_bytes), stored_crc

    @staticmethod
    def _parse_header(model: bytes, fields: list, run_bytes: bytes) -> Header:
        weights_hash, stream_id, height, width, channels, frames, seed = fields
        try:
            model_id = model.decode("utf-8")
        except UnicodeDecodeError:
            raise BitstreamError("model id is not valid UTF-8") from None
        _check_range("frames", frames, 1, MAX_FRAMES)
        dims: list[int] = []
        levels: list[int] = []
        previous = None
        for count, run_dims, bits in _RUN.iter_unpack(run_bytes):
            # Canonical runs (nonempty, maximal) make every accepted stream re-encode to itself.
            if count == 0 or (run_dims, bits) == previous:
                raise BitstreamError("per-frame rate runs are not canonical (empty or unmerged)")
            if count > frames - len(dims):
                raise BitstreamError(f"per-frame rate runs cover more than {frames} frames")
            _check_range("dims", run_dims, 0, MAX_DIMS)
            _check_range("bits per symbol", bits, 1, MAX_SYMBOL_BITS)
            dims += [run_dims] * count
            levels += [1 << bits] * count
            previous = (run_dims, bits)
        if len(dims) != frames:
            raise BitstreamError(f"per-frame rate runs cover {len(dims)} of {frames} frames")
        return Header(
            model_id, weights_hash, height, width, channels, frames, dims, levels, seed, stream_id
        )

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        return self

    def __next__(self) -> tuple[int, np.ndarray]:
        if self._error is not None:
            raise self._error
        try:
            return self._next()
        except BitstreamError as exc:
            self._error = exc
            raise

    def _next(self) -> tuple[int, np.ndarray]:
        t = self._next_frame
        if t == self.header.frames:
            self._next_frame += 1  # check the end once
            if self._file.read(1):
                raise BitstreamError(f"trailing data after the last frame at byte {self._offset}")
        if t >= self.header.frames:
            raise StopIteration
        start = self._offset
        chunk = self._read(self.header.chunk_bytes[t], f"frame {t}")
        (stored_crc,) = _CRC.unpack(self._read(_CRC.size, f"checksum of frame {t}"))
        if _frame_crc(self.header, self._previous_crc, t, chunk) != stored_crc:
            raise BitstreamError(
                f"checksum mismatch in frame {t} (bytes {start}..{self._offset - 1})"
            )
        if self.header.version > 1:
            self._previous_crc = stored_crc
        try:
            symbols = unpack_symbols(chunk, self.header.dims[t], self.header.levels[t])
        except BitstreamError as exc:
            raise BitstreamError(f"frame {t}: {exc}") from None
        self._next_frame = t + 1
        return t, symbols


def read_stream(fileobj: BinaryIO) -> tuple[Header, list[np.ndarray]]:
    """Read a whole stream from a file object: its header and every frame's symbols (``int64``,
    shape ``(dims_t,)``), the inverse of :func:`write_stream`; :class:`StreamReader` yields them
    one frame at a time instead.

    Raises :class:`BitstreamError` for anything but a complete, verified stream with no trailing
    bytes.
    """
    reader = StreamReader(fileobj)
    return reader.header, [symbols for _, symbols in reader]


def decode(data: bytes) -> tuple[Header, list[np.ndarray]]:
    """Parse a whole stream held in memory (see :func:`read_stream`)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BitstreamError(f"stream must be bytes, got {type(data).__name__}")
    return read_stream(io.BytesIO(data))
