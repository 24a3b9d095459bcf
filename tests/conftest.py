"""Shared test setup: the CI hypothesis profile, one torch thread, a tiny codec checkpoint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests with a fixed example sequence so that a landing is decided by the
# code, not by the draw; local runs keep hypothesis's random exploration (and its database) to
# keep finding new counterexamples.
# Neither profile has a deadline: a property's examples are timed on whatever machine runs them,
# and a loaded or slower machine is no counterexample.
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

TINY_CODEC = {
    "size": [32, 32],
    "levels": 4,
    "iframe_bits": 4,
    "pframe_bits": 16,
    "motion_bits": 8,
    "width": 8,
    "noise_dims": 4,
    "scale_levels": 2,
}


def save_tiny_codec(directory: Path, name: str = "tiny", seed: int = 0) -> Path:
    """A randomly initialised codec written exactly like a training run's checkpoint."""
    import torch

    from seqrdp.codec.model import SequentialCodec
    from seqrdp.train.checkpoint import save_checkpoint

    torch.manual_seed(seed)
    model = SequentialCodec.from_config(TINY_CODEC)
    meta = {
        "kind": "codec",
        "name": name,
        "mode": "universal",
        "heads": list(model.head_names),
        "frame_bits": list(model.frame_bits),
        "size": list(model.codec_config.size),
        "frames": 3,
        "steps": 0,
        "data": {"kind": "moving-mnist", "frames": 3},
        "codec": model.config,
    }
    save_checkpoint(directory, model.state_dict(), {}, meta)
    return directory


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests run two at a time (pytest -n 2) on two cores: one torch thread each avoids
    oversubscription, which slows small convolutions by an order of magnitude. Restored after
    each test, so a test that sets its own thread count cannot leak it."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def make_tiny_codec():
    """:func:`save_tiny_codec`, for tests that need a second, different checkpoint."""
    return save_tiny_codec


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """Run directory of a tiny 32x32 codec (4-bit I-frames, 16-bit P-frames)."""
    return save_tiny_codec(tmp_path_factory.mktemp("tiny-codec"))
