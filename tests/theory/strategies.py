"""Hypothesis strategies for Gauss–Markov settings shared by the theory tests."""

import numpy as np
from hypothesis import strategies as st

from seqrdp.theory import GaussMarkovSource


@st.composite
def sources(draw, min_frames=1, max_frames=4):
    """A Gauss–Markov source with random correlations and variances."""
    frames = draw(st.integers(min_frames, max_frames))
    rho = draw(st.lists(st.floats(-0.95, 0.95), min_size=frames - 1, max_size=frames - 1))
    sigma2_1 = draw(st.floats(0.3, 3.0))
    innovation = draw(st.lists(st.floats(0.05, 2.0), min_size=frames - 1, max_size=frames - 1))
    return GaussMarkovSource(rho, sigma2_1=sigma2_1, innovation_var=innovation)


def rates_for(frames, high=2.0):
    """Rates in bits/sample: 0 or at least 0.05.

    Tiny positive rates are left out: perfect-realism distortion has slope −∞ at R = 0
    (``D(R, 0) ≈ 2σ² − 2σ√(2R ln 2)``), which the test-channel solver cannot resolve.
    """
    rate = st.one_of(st.just(0.0), st.floats(0.05, high))
    return st.lists(rate, min_size=frames, max_size=frames)


@st.composite
def budgets_for(draw, frames):
    """0, inf, or finite budgets that grow by at least 0.02 a frame.

    jd's loss over frames 1..j cannot shrink, so budgets that stay flat leave it a single
    feasible point; growing budgets keep every step's feasible set solid.
    """
    kind = draw(st.sampled_from(["zero", "inf", "growing"]))
    if kind == "zero":
        return [0.0] * frames
    if kind == "inf":
        return [np.inf] * frames
    first = draw(st.floats(0.005, 0.3))
    steps = draw(st.lists(st.floats(0.02, 0.3), min_size=frames - 1, max_size=frames - 1))
    return list(np.cumsum([first, *steps]))
