"""`seqrdp encode` / `seqrdp decode`: real bits, the PLF chosen at the decoder, clean errors."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqrdp.bitstream import StreamReader, encode
from seqrdp.cli import main
from seqrdp.codec.stream import encode_video, fit_frames
from seqrdp.data.moving_mnist import generate_moving_mnist
from seqrdp.zoo import load_model


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """One 4-frame 32x32 Moving MNIST clip as a (T, H, W) uint8 .npy."""
    path = tmp_path_factory.mktemp("clip") / "clip.npy"
    videos = generate_moving_mnist(1, 4, size=32, split="test", seed=3).videos
    np.save(path, videos[0])
    return path


@pytest.fixture(scope="module")
def stream(clip, tiny_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("stream") / "clip.srdp"
    assert main(["encode", str(clip), "-o", str(out), "--model", str(tiny_checkpoint),
                 "--seed", "11"]) == 0  # fmt: skip
    return out


def _decode(stream, checkpoint, out, plf):
    return main(["decode", str(stream), "-o", str(out), "--plf", plf, "--model", str(checkpoint)])


def test_file_size_is_header_plus_nominal_bits_plus_checksums(stream):
    with open(stream, "rb") as f:
        header = StreamReader(f).header
    assert header.frame_bits == (4, 16, 16, 16)
    expected = header.header_bytes + sum(math.ceil(b / 8) + 4 for b in header.frame_bits)
    assert stream.stat().st_size == expected == header.stream_bytes


def test_same_bits_decode_differently_under_two_plfs(stream, tiny_checkpoint, tmp_path):
    fmd, jd = tmp_path / "fmd.npy", tmp_path / "jd.npy"
    assert _decode(stream, tiny_checkpoint, fmd, "fmd") == 0
    assert _decode(stream, tiny_checkpoint, jd, "jd") == 0
    a, b = np.load(fmd), np.load(jd)
    assert a.shape == b.shape == (4, 32, 32) and a.dtype == np.uint8
    assert not np.array_equal(a, b)


def test_decoding_twice_gives_identical_bytes(stream, tiny_checkpoint, tmp_path):
    first, second = tmp_path / "a.npy", tmp_path / "b.npy"
    assert _decode(stream, tiny_checkpoint, first, "sa") == 0
    assert _decode(stream, tiny_checkpoint, second, "sa") == 0
    assert first.read_bytes() == second.read_bytes()


def test_encoder_mmse_reconstruction_equals_decoder_output(clip, stream, tiny_checkpoint, tmp_path):
    from seqrdp.codec.stream import encode_video, fit_frames
    from seqrdp.zoo import load_model

    model, info = load_model(str(tiny_checkpoint))
    encoded = encode_video(model, info, fit_frames(np.load(clip), model), seed=11)
    assert stream.read_bytes()[-4 * 4 :] != b""  # the file exists and holds frame checksums
    out = tmp_path / "mse.npy"
    assert _decode(stream, tiny_checkpoint, out, "mse") == 0
    np.testing.assert_array_equal(np.load(out), encoded.reconstruction)


def test_other_sizes_are_resized_or_rejected(tiny_checkpoint, tmp_path, capsys):
    big = tmp_path / "big.npy"
    np.save(big, np.zeros((2, 48, 64), np.uint8))
    out = tmp_path / "big.srdp"
    assert main(["encode", str(big), "-o", str(out), "--model", str(tiny_checkpoint),
                 "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["resized"] is True and summary["height"] == 32
    rejected = tmp_path / "rejected.srdp"
    assert main(["encode", str(big), "-o", str(rejected), "--model", str(tiny_checkpoint),
                 "--no-resize"]) == 2  # fmt: skip
    assert not rejected.exists()
    assert "--no-resize" in capsys.readouterr().err


def test_weights_of_another_model_are_refused(stream, tmp_path, capsys, make_tiny_codec):
    other = make_tiny_codec(tmp_path / "other", name="tiny", seed=1)
    out = tmp_path / "out.npy"
    assert _decode(stream, other, out, "fmd") == 2
    err = capsys.readouterr().err
    assert "model hash mismatch" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_model_and_plf_are_one_line_errors(stream, capsys, tmp_path):
    out = tmp_path / "x.npy"
    assert main(["decode", str(stream), "-o", str(out), "--plf", "fmd",
                 "--model", "no-such-model"]) == 2  # fmt: skip
    assert "unknown model" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["decode", str(stream), "-o", str(out), "--plf", "gan"])
    assert exit_info.value.code == 2
    assert not out.exists()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_streams_fail_cleanly_and_write_nothing(data, stream, tiny_checkpoint, tmp_path):
    original = stream.read_bytes()
    position = data.draw(st.integers(0, len(original) - 1))
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    if kind == "flip":
        mutated = bytearray(original)
        mutated[position] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        mutated = original[:position]
    else:
        mutated = (
            original[:position] + data.draw(st.binary(min_size=1, max_size=8)) + original[position:]
        )
    bad = tmp_path / "bad.srdp"
    bad.write_bytes(bytes(mutated))
    out = tmp_path / "never.npy"
    assert _decode(bad, tiny_checkpoint, out, "jd") == 2
    assert not out.exists()


def test_shipped_low_rate_model_round_trips_a_test_clip(tmp_path):
    clip = tmp_path / "clip.npy"
    np.save(clip, generate_moving_mnist(1, 3, split="test", seed=5).videos[0])
    out = tmp_path / "clip.srdp"
    name = "mmnist-universal-i4-p64"
    assert main(["encode", str(clip), "-o", str(out), "--model", name, "--seed", "9"]) == 0
    with open(out, "rb") as f:
        assert StreamReader(f).header.frame_bits == (4, 64, 64)
    decoded = {}
    for plf in ("mse", "fmd", "jd"):  # the model is named in the header: no --model needed
        assert main(["decode", str(out), "-o", str(tmp_path / f"{plf}.npy"), "--plf", plf]) == 0
        decoded[plf] = np.load(tmp_path / f"{plf}.npy")
        assert decoded[plf].shape == (3, 64, 64) and decoded[plf].dtype == np.uint8
    assert not np.array_equal(decoded["fmd"], decoded["jd"])
    # Closed loop: the encoder's own MMSE reconstruction is what the decoder emits.
    model, info = load_model(name)
    encoded = encode_video(model, info, fit_frames(np.load(clip), model), 9)
    assert np.array_equal(encoded.reconstruction.reshape(decoded["mse"].shape), decoded["mse"])


# --- whole datasets ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Five 3-frame 32x32 clips as an (N, T, H, W) .npy."""
    path = tmp_path_factory.mktemp("dataset") / "set.npy"
    np.save(path, generate_moving_mnist(5, 3, size=32, split="test", seed=4).videos)
    return path


@pytest.fixture(scope="module")
def clips(dataset, tiny_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("clips") / "clips"
    assert main(["encode", str(dataset), "-o", str(out), "--model", str(tiny_checkpoint),
                 "--seed", "20", "--batch", "2"]) == 0  # fmt: skip
    return out


def test_a_dataset_is_coded_clip_by_clip_into_streams_identical_to_single_clip_coding(
    dataset, clips, tiny_checkpoint, tmp_path
):
    assert sorted(p.name for p in clips.iterdir()) == [f"clip-{i:05d}.srdp" for i in range(5)]
    for i in range(5):
        alone = tmp_path / f"alone-{i}.srdp"
        assert main(["encode", str(dataset), "-o", str(alone), "--model", str(tiny_checkpoint),
                     "--sequence", str(i), "--seed", str(20 + i)]) == 0  # fmt: skip
        assert (clips / f"clip-{i:05d}.srdp").read_bytes() == alone.read_bytes(), i
        with open(alone, "rb") as f:
            assert StreamReader(f).header.seed == 20 + i


def test_clips_of_equal_headers_get_distinct_stream_ids(clips):
    ids = set()
    for path in clips.iterdir():
        with open(path, "rb") as f:
            ids.add(StreamReader(f).header.stream_id)
    assert len(ids) == 5


def test_a_directory_of_clips_decodes_into_one_array_equal_to_clip_by_clip_decoding(
    clips, tiny_checkpoint, tmp_path, capsys
):
    out = tmp_path / "all.npy"
    assert main(["decode", str(clips), "-o", str(out), "--plf", "sa",
                 "--model", str(tiny_checkpoint), "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    whole = np.load(out)
    assert whole.shape == (5, 3, 32, 32) and whole.dtype == np.uint8
    for i in (0, 4):
        one = tmp_path / f"one-{i}.npy"
        assert _decode(clips / f"clip-{i:05d}.srdp", tiny_checkpoint, one, "sa") == 0
        np.testing.assert_array_equal(whole[i], np.load(one))
    sizes = sum(p.stat().st_size for p in clips.iterdir())
    assert summary["clips"] == 5 and summary["bytes"] == sizes
    assert summary["bits"] == 5 * (4 + 16 + 16) and summary["seconds"] >= 0


def test_encoding_a_dataset_reports_bits_bytes_and_time(dataset, tiny_checkpoint, tmp_path, capsys):
    out = tmp_path / "clips"
    assert main(["encode", str(dataset), "-o", str(out), "--model", str(tiny_checkpoint),
                 "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["clips"] == 5 and summary["bits"] == 5 * 36
    assert summary["bytes"] == sum(p.stat().st_size for p in out.iterdir())
    assert summary["seeds"] == [0, 4] and summary["seconds"] >= 0


def test_a_failure_half_way_through_a_dataset_leaves_no_files(
    dataset, clips, tiny_checkpoint, tmp_path, monkeypatch
):
    import seqrdp.codec.stream as stream_module

    real = stream_module.stream_header
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # a kill in the middle of clip 2
        return real(*args, **kwargs)

    monkeypatch.setattr(stream_module, "stream_header", failing)
    out = tmp_path / "clips"
    assert main(["encode", str(dataset), "-o", str(out), "--model", str(tiny_checkpoint)]) == 130
    assert list(tmp_path.iterdir()) == []
    # Into an existing directory: its clips stay as they were.
    before = {p.name: p.read_bytes() for p in clips.iterdir()}
    calls.clear()
    assert main(["encode", str(dataset), "-o", str(clips), "--model", str(tiny_checkpoint)]) == 130
    assert {p.name: p.read_bytes() for p in clips.iterdir()} == before


def test_a_corrupt_clip_in_a_directory_writes_nothing(clips, tiny_checkpoint, tmp_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(clips, broken)
    data = bytearray((broken / "clip-00003.srdp").read_bytes())
    data[-1] ^= 1
    (broken / "clip-00003.srdp").write_bytes(bytes(data))
    out = tmp_path / "all.npy"
    assert main(["decode", str(broken), "-o", str(out), "--plf", "mse",
                 "--model", str(tiny_checkpoint)]) == 2  # fmt: skip
    assert "checksum mismatch in frame 2" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]
    (broken / "clip-00003.srdp").unlink()
    assert main(["decode", str(broken), "-o", str(out), "--plf", "mse",
                 "--model", str(tiny_checkpoint)]) == 2  # fmt: skip
    assert "clip-00004.srdp where clip-00003.srdp should be" in capsys.readouterr().err


# --- long streams and old streams -------------------------------------------------------------


def _random_stream(path, model, info, frames: int, seed: int = 0) -> None:
    """A valid stream of ``frames`` frames of random symbols for ``model``."""
    from seqrdp.bitstream import write_stream
    from seqrdp.codec.stream import stream_header

    rng = np.random.default_rng(seed)
    levels = model.codec_config.levels
    symbols = [rng.integers(0, levels, model.frame_dims(t)) for t in range(1, frames + 1)]
    with open(path, "wb") as f:
        write_stream(f, stream_header(model, info, symbols, seed), symbols)


def _peak_traced_bytes(argv) -> int:
    tracemalloc.start()
    try:
        assert main(argv) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_decoding_memory_does_not_grow_with_the_number_of_frames(tiny_checkpoint, tmp_path):
    model, info = load_model(str(tiny_checkpoint))
    peaks = {}
    for frames in (20, 200):
        _random_stream(tmp_path / f"{frames}.srdp", model, info, frames)
        out = tmp_path / f"{frames}.npy"
        peaks[frames] = _peak_traced_bytes(["decode", str(tmp_path / f"{frames}.srdp"), "-o",
                                            str(out), "--plf", "jd", "--model",
                                            str(tiny_checkpoint)])  # fmt: skip
        assert np.load(out, mmap_mode="r").shape == (frames, 32, 32)
    # Holding the frames would add 180 frames of 1 kB (twice, with a final stack).
    assert peaks[200] - peaks[20] < 60_000, peaks


def test_decode_help_says_what_a_stream_may_declare(capsys):
    with pytest.raises(SystemExit):
        main(["decode", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "1..10000 frames" in text and "memory does not grow" in text


def test_a_version_1_stream_still_decodes_to_the_same_frames(stream, tiny_checkpoint, tmp_path):
    """Rewrite the version-2 stream as version 1 (no stream id, frames bound to the header
    CRC, as docs/bitstream.md specifies) and decode both."""
    with open(stream, "rb") as f:
        reader = StreamReader(f)
        header, symbols = reader.header, [s for _, s in reader]
    old = dataclasses.replace(header, stream_id=None)
    (tmp_path / "v1.srdp").write_bytes(encode(old, symbols))
    assert (tmp_path / "v1.srdp").read_bytes()[4] == 1
    for name in ("v1.srdp",):
        assert _decode(tmp_path / name, tiny_checkpoint, tmp_path / "v1.npy", "jd") == 0
    assert _decode(stream, tiny_checkpoint, tmp_path / "v2.npy", "jd") == 0
    np.testing.assert_array_equal(np.load(tmp_path / "v1.npy"), np.load(tmp_path / "v2.npy"))
