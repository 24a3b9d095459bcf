"""`seqrdp encode` / `seqrdp decode`: real bits, the PLF chosen at the decoder, clean errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqrdp.bitstream import StreamReader
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
