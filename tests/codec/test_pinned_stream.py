"""Streams written earlier keep decoding to the same frames, under every head.

``tests/data/pinned/`` holds two ``.srdp`` streams written by ``seqrdp encode`` with a shipped
model, the clips they code, and every head's decoded frames (``frames.npz``). A change to the
codec, the bitstream reader, the shared randomness or the conversion to frames that alters a
single pixel fails here. Regenerate (only when that is the intent, or after the shipped model
is retrained): ``python tests/make_pinned.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from seqrdp.bitstream import StreamReader
from seqrdp.cli import main as seqrdp
from seqrdp.codec.stream import decode_frames
from seqrdp.zoo import find_model, load_model

PINNED = Path(__file__).parents[1] / "data" / "pinned"
EXPECTED = json.loads((PINNED / "expected.json").read_text(encoding="utf-8"))
FRAMES = dict(np.load(PINNED / "frames.npz"))


def _same(frames: np.ndarray, pinned: np.ndarray) -> bool:
    """Equal but for float rounding on another CPU: no pixel off by more than one level, and
    at most one pixel in a thousand off at all (symbols are integers and must not change)."""
    diff = np.abs(frames.astype(np.int16) - pinned.astype(np.int16))
    return frames.shape == pinned.shape and diff.max() <= 1 and (diff > 0).mean() <= 1e-3


@pytest.fixture(scope="module")
def model():
    info = find_model(EXPECTED["model"], shipped_only=True)
    if info.weights_hash.hex() != EXPECTED["identity"]:
        pytest.fail(
            f"the shipped {EXPECTED['model']} is not the model the pinned streams were written "
            f"with (retrained?): regenerate them with `{EXPECTED['regenerate']}`"
        )
    return load_model(EXPECTED["model"], shipped_only=True)


def test_the_pinned_streams_name_the_shipped_model_and_the_current_format(model):
    _, info = model
    for name in EXPECTED["streams"]:
        with open(PINNED / name, "rb") as file:
            header = StreamReader(file).header
        assert (header.model, header.weights_hash) == (info.name, info.weights_hash)
        assert header.version == EXPECTED["format_version"]
    assert len(EXPECTED["streams"]) == 2 and EXPECTED["shape"][0] == 3


@pytest.mark.parametrize("head", sorted(FRAMES))
def test_every_head_decodes_the_pinned_streams_to_the_pinned_frames(model, head):
    codec, info = model
    for i, name in enumerate(EXPECTED["streams"]):
        with open(PINNED / name, "rb") as file:
            frames = np.stack(list(decode_frames(StreamReader(file), codec, info, head)))
        assert frames.shape == tuple(EXPECTED["shape"])
        assert _same(frames, FRAMES[head][i]), (name, head)


def test_seqrdp_decode_of_the_directory_writes_the_pinned_frames(model, tmp_path):
    head = "jd"  # any head: the command path is the same for all
    out = tmp_path / "decoded.npy"
    assert seqrdp(["decode", str(PINNED), "-o", str(out), "--plf", head, "--json"]) == 0
    assert _same(np.load(out), FRAMES[head])


def test_encoding_the_pinned_clips_again_writes_the_same_bytes(model, tmp_path):
    out = tmp_path / "streams"
    argv = ["encode", str(PINNED / "source.npy"), "-o", str(out), "--model", EXPECTED["model"],
            "--seed", str(EXPECTED["seed"]), "--json"]  # fmt: skip
    assert seqrdp(argv) == 0
    for name in EXPECTED["streams"]:
        assert (out / name).read_bytes() == (PINNED / name).read_bytes(), name
