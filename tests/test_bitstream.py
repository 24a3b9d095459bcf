"""The ``.srdp`` container: exact packing, exact size, low-latency reading, hostile input.

Expected bytes and sizes are derived here from the spec in ``docs/bitstream.md`` (bit strings,
``struct`` layouts, ``zlib.crc32``), never from the code under test.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import struct
import threading
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqrdp.bitstream import (
    BitstreamError,
    Header,
    StreamReader,
    decode,
    encode,
    pack_symbols,
    random_stream_id,
    unpack_symbols,
    weights_hash,
    write_stream,
)
from seqrdp.errors import UsageError

LEVELS = (2, 4, 8, 16, 256)
STREAM_ID = 0x0123456789ABCDEF


def spec_pack(symbols: list[int], levels: int) -> bytes:
    """MSB-first packing from the spec, via a bit string."""
    width = levels.bit_length() - 1
    bits = "".join(format(s, f"0{width}b") for s in symbols)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


def spec_runs(dims: list[int], levels: list[int]) -> list[tuple[int, int, int]]:
    runs: list[list[int]] = []
    for d, lv in zip(dims, levels, strict=True):
        key = [d, lv.bit_length() - 1]
        if runs and runs[-1][1:] == key:
            runs[-1][0] += 1
        else:
            runs.append([1, *key])
    return [tuple(r) for r in runs]


def spec_header(
    model: bytes,
    digest: bytes,
    height: int,
    width: int,
    channels: int,
    frames: int,
    seed: int,
    runs: list[tuple[int, int, int]],
    version: int = 2,
    stream_id: int = STREAM_ID,
) -> bytes:
    """Header bytes from the layout table of docs/bitstream.md (big-endian), with its CRC-32.
    Version 1 has no stream id."""
    body = (
        b"SRDP"
        + struct.pack(">BB", version, len(model))
        + model
        + digest
        + (struct.pack(">Q", stream_id) if version != 1 else b"")
        + struct.pack(">HHBIQI", height, width, channels, frames, seed, len(runs))
        + b"".join(struct.pack(">IIB", *run) for run in runs)
    )
    return body + struct.pack(">I", zlib.crc32(body))


def spec_payload(header_bytes: bytes, chunks: list[bytes], stream_id: int = STREAM_ID) -> bytes:
    """Version 2: each chunk followed by CRC-32(stream id ‖ previous CRC ‖ t ‖ chunk), the
    previous CRC being the header's for frame 0."""
    previous, out = header_bytes[-4:], b""
    for t, chunk in enumerate(chunks):
        crc = struct.pack(">I", zlib.crc32(struct.pack(">Q", stream_id) + previous
                                           + struct.pack(">I", t) + chunk))  # fmt: skip
        out += chunk + crc
        previous = crc
    return out


def spec_payload_v1(header_bytes: bytes, chunks: list[bytes]) -> bytes:
    """Version 1: each chunk followed by CRC-32(header CRC ‖ t ‖ chunk)."""
    return b"".join(
        chunk + struct.pack(">I", zlib.crc32(header_bytes[-4:] + struct.pack(">I", t) + chunk))
        for t, chunk in enumerate(chunks)
    )


@st.composite
def headers(draw, max_frames: int = 6, max_dims: int = 300) -> Header:
    frames = draw(st.integers(1, max_frames))
    return Header(
        model=draw(st.text(min_size=1, max_size=60).filter(lambda m: len(m.encode()) <= 255)),
        weights_hash=draw(st.binary(min_size=32, max_size=32)),
        height=draw(st.integers(1, 16384)),
        width=draw(st.integers(1, 16384)),
        channels=draw(st.integers(1, 255)),
        frames=frames,
        dims=draw(st.lists(st.integers(1, max_dims), min_size=frames, max_size=frames)),
        levels=draw(st.lists(st.sampled_from(LEVELS), min_size=frames, max_size=frames)),
        seed=draw(st.integers(0, 2**64 - 1)),
        stream_id=draw(st.integers(0, 2**64 - 1)),
    )


@st.composite
def streams(draw, max_frames: int = 6, max_dims: int = 300):
    header = draw(headers(max_frames, max_dims))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    frames = [rng.integers(0, lv, d) for d, lv in zip(header.dims, header.levels, strict=True)]
    return header, frames


def small_stream() -> tuple[Header, list[np.ndarray], bytes]:
    header = Header(
        "ssf-mmse", bytes(range(32)), 64, 64, 1, 3, (5, 5, 12), (4, 4, 16), 7, STREAM_ID
    )
    frames = [np.array([3, 0, 1, 2, 1]), np.array([0, 1, 2, 3, 3]), np.arange(12)]
    return header, frames, encode(header, frames)


# --- packing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbols", "levels", "expected"),
    [
        ([3, 0, 1, 2], 4, bytes([0b11000110])),
        ([1, 0, 1], 2, bytes([0b10100000])),
        ([7, 1], 8, bytes([0b11100100])),
        ([0xA, 0xB, 0xC], 16, bytes([0xAB, 0xC0])),
        ([1, 255], 256, bytes([0x01, 0xFF])),
        ([0x1234, 0xFFFF], 2**16, bytes([0x12, 0x34, 0xFF, 0xFF])),
        ([5, 6, 7], 8, bytes([0b10111011, 0b10000000])),
        ([], 4, b""),
    ],
)
def test_packing_is_msb_first_with_zero_padding(symbols, levels, expected):
    assert pack_symbols(np.array(symbols, dtype=np.int64), levels) == expected
    assert unpack_symbols(expected, len(symbols), levels).tolist() == symbols


@given(st.data(), st.integers(1, 16))
def test_packing_matches_bit_string_and_takes_ceil_bits_over_8_bytes(data, width):
    levels = 2**width
    symbols = data.draw(st.lists(st.integers(0, levels - 1), max_size=70))
    packed = pack_symbols(np.array(symbols, dtype=np.int64), levels)
    assert packed == spec_pack(symbols, levels)
    assert len(packed) == math.ceil(len(symbols) * width / 8)
    unpacked = unpack_symbols(packed, len(symbols), levels)
    assert unpacked.dtype == np.int64
    assert unpacked.tolist() == symbols


@pytest.mark.parametrize(
    ("symbols", "levels"),
    [([4], 4), ([-1], 4), ([0], 3), ([0], 1), ([0], 2**17), ([[0, 1]], 4), ([0.0], 4)],
)
def test_pack_rejects_symbols_or_levels_outside_the_format(symbols, levels):
    with pytest.raises(BitstreamError):
        pack_symbols(np.array(symbols), levels)


def test_unpack_rejects_nonzero_padding_and_wrong_length():
    with pytest.raises(BitstreamError, match="padding"):
        unpack_symbols(bytes([0b11000001]), 3, 4)
    with pytest.raises(BitstreamError, match="expected 1"):
        unpack_symbols(b"\x00\x00", 3, 4)


# --- header and size -------------------------------------------------------------------------


def test_bitstream_error_is_a_usage_error_so_the_cli_prints_one_line():
    assert issubclass(BitstreamError, UsageError)


def test_header_bytes_follow_the_layout_table():
    header, _, data = small_stream()
    expected = spec_header(b"ssf-mmse", bytes(range(32)), 64, 64, 1, 3, 7, [(2, 5, 2), (1, 12, 4)])
    assert header.to_bytes() == expected
    assert data[: len(expected)] == expected
    assert header.header_bytes == 71 + 8 + 9 * 2 == len(expected)
    assert header.version == 2 and data[4] == 2


def test_payload_bytes_follow_the_layout_table():
    _, _, data = small_stream()
    head = spec_header(b"ssf-mmse", bytes(range(32)), 64, 64, 1, 3, 7, [(2, 5, 2), (1, 12, 4)])
    chunks = [
        bytes([0b11000110, 0b01000000]),
        bytes([0b00011011, 0b11000000]),
        bytes([0x01, 0x23, 0x45, 0x67, 0x89, 0xAB]),
    ]
    assert data == head + spec_payload(head, chunks)


@given(streams())
@settings(max_examples=150, deadline=None)
def test_round_trip_restores_header_and_symbols_at_the_exact_size(stream):
    header, frames = stream
    data = encode(header, frames)
    bits = [d * (lv.bit_length() - 1) for d, lv in zip(header.dims, header.levels, strict=True)]
    runs = spec_runs(list(header.dims), list(header.levels))
    header_bytes = 71 + len(header.model.encode("utf-8")) + 9 * len(runs)
    size = header_bytes + sum(math.ceil(b / 8) + 4 for b in bits)
    assert len(data) == size == header.stream_bytes
    assert header.header_bytes == header_bytes
    assert header.frame_bits == tuple(bits)
    assert header.nominal_bits == sum(bits)
    decoded, symbols = decode(data)
    assert decoded == header
    assert len(symbols) == header.frames
    for sent, received in zip(frames, symbols, strict=True):
        np.testing.assert_array_equal(received, sent)


def test_zero_dims_frame_costs_only_its_checksum():
    header = Header("m", bytes(32), 8, 8, 3, 2, (0, 4), (2, 256), 0, 1)
    data = encode(header, [np.zeros(0, dtype=np.int64), np.arange(4)])
    assert len(data) == 71 + 1 + 9 * 2 + (0 + 4) + (4 + 4)
    assert decode(data)[1][0].shape == (0,)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("model", ""),
        ("model", "x" * 256),
        ("model", "\udc80"),
        ("weights_hash", bytes(31)),
        ("height", 0),
        ("width", 16385),
        ("channels", 256),
        ("frames", 0),
        ("frames", 10_001),
        ("dims", (5, 5)),
        ("dims", (5, 2**20 + 1, 5)),
        ("levels", (4, 4, 3)),
        ("levels", (4, 4, 1)),
        ("seed", -1),
        ("seed", 2**64),
        ("height", 64.0),
        ("stream_id", -1),
        ("stream_id", 2**64),
        ("stream_id", "1"),
    ],
)
def test_header_rejects_fields_outside_the_format(field, value):
    header, _, _ = small_stream()
    fields = {name: getattr(header, name) for name in header.__dataclass_fields__}
    with pytest.raises(BitstreamError):
        Header(**{**fields, field: value})


def test_header_normalises_lists_and_numpy_integers():
    header = Header(
        "m", bytearray(32), np.int64(4), 4, 1, 2, [3, np.uint16(3)], [4, 4], 2**64 - 1, np.uint64(5)
    )
    assert header.dims == (3, 3) and type(header.dims[1]) is int
    assert header.height == 4 and type(header.height) is int
    assert header.weights_hash == bytes(32) and type(header.weights_hash) is bytes
    assert header.stream_id == 5 and type(header.stream_id) is int


def test_weights_hash_is_sha256_of_the_file(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"abc")
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2
    assert weights_hash(path).hex() == expected


def test_to_dict_reports_rates_and_sizes():
    header, _, data = small_stream()
    summary = header.to_dict()
    assert summary["frame_bits"] == [10, 10, 48]
    assert summary["stream_bytes"] == len(data)
    assert summary["weights_hash"] == bytes(range(32)).hex()
    assert summary["stream_id"] == "0123456789abcdef" and summary["format_version"] == 2


# --- writing ---------------------------------------------------------------------------------


def test_writer_rejects_frame_count_and_shape_mismatches():
    header, frames, _ = small_stream()
    with pytest.raises(BitstreamError, match="got 2 frames"):
        encode(header, frames[:2])
    with pytest.raises(BitstreamError, match="more than 3"):
        encode(header, [*frames, frames[0]])
    with pytest.raises(BitstreamError, match="frame 1: symbols have shape"):
        encode(header, [frames[0], frames[2], frames[2]])
    with pytest.raises(BitstreamError, match="frame 0: symbol 4"):
        encode(header, [frames[0] + 1, frames[1], frames[2]])


def test_writer_emits_frame_t_before_asking_for_frame_t_plus_1():
    header, frames, data = small_stream()
    sink = io.BytesIO()
    ends = np.cumsum([header.header_bytes] + [c + 4 for c in header.chunk_bytes])
    seen: list[int] = []

    def live_encoder():
        for t, symbols in enumerate(frames):
            seen.append(len(sink.getvalue()))
            assert seen[-1] == ends[t]  # header and every earlier frame already written
            yield symbols

    assert write_stream(sink, header, live_encoder()) == len(data)
    assert sink.getvalue() == data
    assert seen == list(ends[:-1])


# --- low-latency reading ---------------------------------------------------------------------


class ArrivingBytes(io.RawIOBase):
    """A pipe-like file: only the first ``arrived`` bytes can be read; short reads of <= 3 bytes.

    Reading beyond what has arrived fails the test, as a real pipe would block forever there.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.arrived = 0
        self.position = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.position == len(self.data):
            return b""
        assert self.position < self.arrived, f"read past byte {self.arrived} that has arrived"
        end = min(self.position + max(1, min(size, 3)), self.arrived)
        piece = self.data[self.position : end]
        self.position = end
        return piece


def test_reader_yields_frame_t_once_chunk_t_arrives_without_reading_chunk_t_plus_1():
    header, frames, data = small_stream()
    pipe = ArrivingBytes(data)
    pipe.arrived = header.header_bytes
    reader = StreamReader(pipe)
    assert reader.header == header
    end = header.header_bytes
    for t, size in enumerate([2, 2, 6]):
        end += size + 4
        pipe.arrived = end
        index, symbols = next(reader)
        assert index == t
        assert pipe.position == end
        np.testing.assert_array_equal(symbols, frames[t])
    assert list(reader) == []


def test_encoder_and_decoder_on_a_pipe_run_in_lockstep_frame_by_frame():
    # The encoder produces frame t + 1 only after the decoder has emitted frame t: this can only
    # finish if the writer flushes each frame and the reader never waits for the next one.
    header, frames, _ = small_stream()
    read_end, write_end = os.pipe()
    emitted = [threading.Event() for _ in frames]
    stalled: list[int] = []

    def live_encoder():
        for t, symbols in enumerate(frames):
            if t and not emitted[t - 1].wait(timeout=30):
                stalled.append(t)  # deadlock guard, not a speed check
                return
            yield symbols

    def encode_into_pipe():
        with os.fdopen(write_end, "wb") as sink, contextlib.suppress(BitstreamError):
            write_stream(sink, header, live_encoder())

    writer = threading.Thread(target=encode_into_pipe)
    writer.start()
    with os.fdopen(read_end, "rb") as source:
        received = []
        for t, symbols in StreamReader(source):
            received.append(symbols)
            emitted[t].set()
    writer.join()
    assert stalled == []
    assert [r.tolist() for r in received] == [f.tolist() for f in frames]


def test_reader_checks_frame_t_before_yielding_it():
    header, _, data = small_stream()
    corrupt = bytearray(data)
    corrupt[header.header_bytes + 6] ^= 0x01  # first byte of frame 1
    reader = StreamReader(io.BytesIO(bytes(corrupt)))
    assert next(reader)[0] == 0
    with pytest.raises(BitstreamError, match="checksum mismatch in frame 1"):
        next(reader)
    with pytest.raises(BitstreamError, match="frame 1"):
        next(reader)  # the failure is sticky: no later frame is emitted


# --- malformed input -------------------------------------------------------------------------


def test_every_single_byte_corruption_is_detected():
    _, _, data = small_stream()
    for position in range(len(data)):
        for mask in range(1, 256):
            corrupt = bytearray(data)
            corrupt[position] ^= mask
            with pytest.raises(BitstreamError):
                decode(bytes(corrupt))


def test_truncation_at_every_length_names_the_byte_where_it_ends():
    _, _, data = small_stream()
    for length in range(len(data)):
        with pytest.raises(BitstreamError, match=f"truncated at byte {length}\\b"):
            decode(data[:length])


def test_trailing_bytes_and_concatenated_streams_are_rejected():
    _, _, data = small_stream()
    with pytest.raises(BitstreamError, match="trailing data after the last frame"):
        decode(data + b"\x00")
    with pytest.raises(BitstreamError, match="trailing data"):
        decode(data + data)


def test_swapped_frames_fail_their_checksums():
    header = Header("m", bytes(32), 8, 8, 1, 2, (8, 8), (256, 256), 1, 1)
    data = encode(header, [np.arange(8), np.arange(8, 16)])
    h = header.header_bytes
    swapped = data[:h] + data[h + 12 :] + data[h : h + 12]
    with pytest.raises(BitstreamError, match="checksum mismatch in frame 0"):
        decode(swapped)


def test_frame_from_a_stream_with_another_header_fails_its_checksum():
    first = Header("m", bytes(32), 8, 8, 1, 1, (8,), (256,), 1, 1)
    second = Header("m", bytes(32), 8, 8, 1, 1, (8,), (256,), 2, 1)
    a, b = encode(first, [np.arange(8)]), encode(second, [np.arange(8)])
    with pytest.raises(BitstreamError, match="checksum mismatch in frame 0"):
        decode(a[: first.header_bytes] + b[second.header_bytes :])


def two_clips_with_one_header_but_their_ids() -> tuple[list[bytes], int]:
    """Two 3-frame clips coded with the same model, size, rates and seed: their headers differ
    only in the content-derived stream id."""
    rng = np.random.default_rng(0)
    base = Header("m", bytes(32), 8, 8, 1, 3, (8, 8, 8), (16, 16, 16), 0, 0)
    streams = []
    for _ in range(2):
        frames = [rng.integers(0, 16, 8) for _ in range(3)]
        streams.append(encode(base.with_content_id(frames), frames))
    return streams, base.header_bytes


def test_a_chunk_spliced_from_a_stream_with_an_equal_header_is_rejected():
    (a, b), h = two_clips_with_one_header_but_their_ids()
    chunk = 4 + 4  # 8 symbols of 4 bits, then the CRC
    at = 6 + 1 + 32  # the stream id follows the model id and the weights hash
    assert a[:at] == b[:at] and a[at + 8 : h - 4] == b[at + 8 : h - 4]
    assert a[at : at + 8] != b[at : at + 8]
    for t in range(3):
        spliced = (
            a[: h + t * chunk] + b[h + t * chunk : h + (t + 1) * chunk] + a[h + (t + 1) * chunk :]
        )
        with pytest.raises(BitstreamError, match=f"checksum mismatch in frame {t}"):
            decode(spliced)


def test_the_frame_chain_rejects_a_splice_even_between_streams_that_share_an_id():
    # A writer that reuses an id (or a forged header): chunk t of b carries b's chain.
    header = Header("m", bytes(32), 8, 8, 1, 3, (8, 8, 8), (256, 256, 256), 0, 42)
    a = encode(header, [np.arange(8), np.arange(8, 16), np.arange(16, 24)])
    b = encode(header, [np.arange(1, 9), np.arange(8, 16), np.arange(16, 24)])
    h, chunk = header.header_bytes, 8 + 4
    assert a[h + chunk :] != b[h + chunk :]  # same chunks 1 and 2, but other CRCs
    with pytest.raises(BitstreamError, match="checksum mismatch in frame 1"):
        decode(a[: h + chunk] + b[h + chunk :])


def test_content_id_is_a_digest_of_header_and_symbols():
    header, frames, _ = small_stream()
    sealed = header.with_content_id(frames)
    packed = [pack_symbols(f, lv) for f, lv in zip(frames, header.levels, strict=True)]
    zeroed = spec_header(b"ssf-mmse", bytes(range(32)), 64, 64, 1, 3, 7,
                         [(2, 5, 2), (1, 12, 4)], stream_id=0)  # fmt: skip
    digest = hashlib.sha256(zeroed + b"".join(packed)).digest()
    assert sealed.stream_id == int.from_bytes(digest[:8], "big")
    assert header.with_content_id(frames) == sealed  # deterministic
    changed = [frames[0], frames[1], (frames[2] + 1) % 16]
    assert header.with_content_id(changed).stream_id != sealed.stream_id
    with pytest.raises(BitstreamError, match="got 2 frames"):
        header.with_content_id(frames[:2])


def test_random_stream_ids_are_64_bit_and_differ():
    ids = {random_stream_id() for _ in range(64)}
    assert len(ids) == 64 and all(0 <= i < 2**64 for i in ids)
    assert max(ids) >= 2**56  # 64 draws all below 2**56 has probability 2**-512


def test_version_1_streams_are_still_read_and_reencode_to_themselves():
    head = spec_header(b"m", bytes(32), 8, 8, 1, 2, 5, [(2, 3, 2)], version=1)
    data = head + spec_payload_v1(head, [bytes([0b11000100]), bytes([0b00011000])])
    header, symbols = decode(data)
    assert header.version == 1 and header.stream_id is None
    assert header.header_bytes == 63 + 1 + 9 == len(head)
    assert [s.tolist() for s in symbols] == [[3, 0, 1], [0, 1, 2]]
    assert encode(header, symbols) == data
    assert header.to_dict()["stream_id"] is None


def test_unknown_version_is_named():
    data = spec_header(b"m", bytes(32), 8, 8, 1, 1, 0, [(1, 8, 8)], version=3)
    with pytest.raises(BitstreamError, match="unsupported format version 3"):
        decode(data)
    with pytest.raises(BitstreamError, match="unsupported format version 255"):
        decode(b"SRDP\xff")  # a later version may lay out everything after the version byte


@pytest.mark.parametrize(
    ("runs", "frames", "message"),
    [
        ([(1, 8, 8), (1, 8, 8)], 2, "not canonical"),
        ([(0, 8, 8), (1, 8, 4)], 1, "not canonical"),
        ([(1, 8, 8)], 2, "cover 1 of 2"),
        ([(3, 8, 8)], 2, "more than 2"),
        ([(1, 8, 0)], 1, "bits per symbol 0"),
        ([(1, 8, 17)], 1, "bits per symbol 17"),
        ([(1, 2**20 + 1, 1)], 1, "dims"),
    ],
)
def test_invalid_rate_runs_are_rejected_even_with_a_valid_checksum(runs, frames, message):
    data = spec_header(b"m", bytes(32), 8, 8, 1, frames, 0, runs)
    with pytest.raises(BitstreamError, match=message):
        decode(data + bytes(64))


def test_invalid_model_id_is_rejected_even_with_a_valid_checksum():
    with pytest.raises(BitstreamError, match="UTF-8"):
        decode(spec_header(b"\xff", bytes(32), 8, 8, 1, 1, 0, [(1, 8, 8)]))
    with pytest.raises(BitstreamError, match="model id length 0"):
        decode(spec_header(b"", bytes(32), 8, 8, 1, 1, 0, [(1, 8, 8)]))


def test_nonzero_padding_is_rejected_even_with_a_valid_checksum():
    head = spec_header(b"m", bytes(32), 8, 8, 1, 1, 0, [(1, 3, 2)])
    with pytest.raises(BitstreamError, match="frame 0: nonzero padding"):
        decode(head + spec_payload(head, [bytes([0b11000001])]))
    assert decode(head + spec_payload(head, [bytes([0b11000100])]))[1][0].tolist() == [3, 0, 1]


def test_a_header_declaring_more_frames_than_the_cap_is_rejected_with_a_valid_checksum():
    head = spec_header(b"m", bytes(32), 8, 8, 1, 10_001, 0, [(10_001, 0, 1)])
    with pytest.raises(BitstreamError, match=r"frames 10001 out of range 1\.\.10000"):
        decode(head + bytes(4 * 10_001))


def peak_memory_while_rejecting(data: bytes) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(BitstreamError, match="truncated"):
            decode(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_forged_payload_size_allocates_only_the_per_frame_tables():
    # 10000 frames of 2**20 16-bit symbols announce 20 GiB; only the header's per-frame
    # tuples (10000 references = 80 kB each) may be built before the payload is missing.
    data = spec_header(b"m", bytes(32), 16384, 16384, 255, 10_000, 0, [(10_000, 2**20, 16)])
    assert peak_memory_while_rejecting(data) < 2**20


def test_forged_run_count_allocates_nothing_beyond_the_bytes_present():
    # 10000 runs announce 90 kB of header that never arrives.
    data = (b"SRDP\x02\x01m" + bytes(32)
            + struct.pack(">QHHBIQI", 1, 8, 8, 1, 10_000, 0, 10_000))  # fmt: skip
    assert peak_memory_while_rejecting(data) < 2**16


# --- fuzz ------------------------------------------------------------------------------------


def assert_decodes_or_rejects(data: bytes) -> None:
    """The fuzz property: a valid result that re-encodes to the same bytes, or BitstreamError."""
    try:
        header, symbols = decode(data)
    except BitstreamError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert encode(header, symbols) == data


FUZZ = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@settings(FUZZ, max_examples=1000)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda b: b"SRDP\x02" + b),
        st.binary(max_size=300).map(lambda b: b"SRDP\x01" + b),
    )
)
def test_fuzz_random_bytes_decode_or_raise_bitstream_error(data):
    assert_decodes_or_rejects(data)


@st.composite
def mutations(draw):
    data = encode(*draw(streams(max_frames=3, max_dims=40)))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "splice"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":
            other = encode(*draw(streams(max_frames=3, max_dims=40)))
            cut = draw(st.integers(0, len(other)))
            data[at:] = other[cut:]
    return bytes(data)


@settings(FUZZ, max_examples=2000)
@given(mutations())
def test_fuzz_mutated_streams_decode_or_raise_bitstream_error(data):
    assert_decodes_or_rejects(data)


@st.composite
def forged_headers(draw):
    """Headers with arbitrary field values but a correct checksum, so validation is reached."""
    runs = draw(
        st.lists(
            st.tuples(
                st.integers(0, 4) | st.integers(0, 2**32 - 1),
                st.integers(0, 40) | st.integers(0, 2**32 - 1),
                st.integers(0, 17) | st.integers(0, 255),
            ),
            min_size=1,
            max_size=4,
        )
    )
    consistent_frames = sum(count for count, _, _ in runs) % 2**32
    head = spec_header(
        draw(st.text(min_size=1, max_size=4).map(str.encode) | st.binary(max_size=8)),
        draw(st.binary(min_size=32, max_size=32)),
        draw(st.integers(1, 16384) | st.integers(0, 2**16 - 1)),
        draw(st.integers(1, 16384) | st.integers(0, 2**16 - 1)),
        draw(st.integers(0, 255)),
        draw(st.just(consistent_frames) | st.integers(0, 2**32 - 1)),
        draw(st.integers(0, 2**64 - 1)),
        runs,
        version=draw(st.integers(0, 20).map(lambda i: {17: 0, 18: 3, 19: 255}.get(i, 1 + i % 2))),
        stream_id=draw(st.integers(0, 2**64 - 1)),
    )
    return head + draw(st.binary(max_size=200))


@settings(FUZZ, max_examples=1000)
@given(forged_headers())
def test_fuzz_forged_headers_decode_or_raise_bitstream_error(data):
    assert_decodes_or_rejects(data)
