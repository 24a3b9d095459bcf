"""A tiny training configuration: 16×16 squares, 3 frames, narrow networks."""

import pytest

from seqrdp.train.config import build_config

TINY = {
    "data": "squares",
    "size": 16,
    "frames": 3,
    "width": 8,
    "critic_width": 8,
    "noise_dims": 4,
    "batch": 4,
    "mse_steps": 3,
    "perception_steps": 3,
    "n_critic": 2,
    "checkpoint_every": 2,
    "log_every": 1,
    "validation": 4,
    "threads": 1,
    "tensorboard": False,
}


@pytest.fixture(scope="session")
def tiny():
    def make(mode="universal", plf=None, **overrides):
        return build_config(mode, plf=plf, overrides={**TINY, **overrides})

    return make
