"""Regenerate the pinned streams of ``tests/codec/test_pinned_stream.py``.

    .venv/bin/python tests/make_pinned.py

Writes ``tests/data/pinned/``: ``source.npy`` (two 3-frame Moving MNIST test clips, uint8
``(2, 3, 64, 64)``), ``clip-00000.srdp`` and ``clip-00001.srdp`` (``seqrdp encode source.npy
-o tests/data/pinned --model MODEL --seed SEED``) and ``expected.json``: the model, its
identity, the stream format version, and the SHA-256 of every head's decoded frames per clip.

Run it only when the change is meant to change what streams decode to, or after the shipped
model is retrained (a stream names its model's identity, so a reshipped model refuses the old
streams): the test exists to notice every other change.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

PINNED = Path(__file__).parent / "data" / "pinned"
MODEL = "mmnist-universal-i4-p64"
SEED = 2023  # the first clip's shared-randomness seed; clip i gets SEED + i
DATA_SEED = 13  # the Moving MNIST test clips


def frames_digest(frames: np.ndarray) -> str:
    """SHA-256 of uint8 frames ``(T, H, W)``, C order (what ``expected.json`` pins)."""
    return hashlib.sha256(np.ascontiguousarray(frames, dtype=np.uint8).tobytes()).hexdigest()


def decoded(stream: Path, head: str) -> np.ndarray:
    """The frames ``seqrdp decode`` writes for ``stream`` under ``head``: the shipped model the
    stream names, decoded frame by frame."""
    from seqrdp.bitstream import StreamReader
    from seqrdp.codec.stream import decode_frames
    from seqrdp.zoo import load_model

    with open(stream, "rb") as file:
        reader = StreamReader(file)
        model, info = load_model(reader.header.model, shipped_only=True)
        return np.stack(list(decode_frames(reader, model, info, head)))


def main() -> int:
    import torch

    from seqrdp.bitstream import VERSION
    from seqrdp.cli import main as seqrdp
    from seqrdp.data.moving_mnist import generate_moving_mnist
    from seqrdp.zoo import find_model

    torch.set_num_threads(1)
    PINNED.mkdir(parents=True, exist_ok=True)
    clips = generate_moving_mnist(2, 3, size=64, split="test", seed=DATA_SEED).videos
    np.save(PINNED / "source.npy", clips)
    code = seqrdp(["encode", str(PINNED / "source.npy"), "-o", str(PINNED), "--model", MODEL,
                   "--seed", str(SEED)])  # fmt: skip
    if code:
        return code
    info = find_model(MODEL, shipped_only=True)
    streams = sorted(PINNED.glob("clip-*.srdp"))
    heads = list(info.meta["heads"])
    expected = {
        "regenerate": "python tests/make_pinned.py",
        "model": MODEL,
        "identity": info.weights_hash.hex(),
        "format_version": VERSION,
        "seed": SEED,
        "streams": [s.name for s in streams],
        "shape": list(clips.shape[1:]),
        "frames_sha256": {h: [frames_digest(decoded(s, h)) for s in streams] for h in heads},
    }
    (PINNED / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    # The frames themselves, so another CPU's float rounding (a pixel off by one at a rounding
    # boundary) is told apart from a real change.
    frames = {h: np.stack([decoded(s, h) for s in streams]) for h in heads}
    np.savez_compressed(PINNED / "frames.npz", **frames)
    print(f"{PINNED}: {len(streams)} streams of {MODEL} ({info.weights_hash.hex()[:12]}…), "
          f"heads {', '.join(heads)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
