"""The greedy MMSE sequential coder."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.errors import UsageError
from seqrdp.theory import GaussMarkovSource, mmse_estimate_variance, sequential_mmse_distortion


def test_recursion_by_hand():
    source = GaussMarkovSource([0.9, 0.9])
    # D1 = 1/4; D2 = (0.81/4 + 0.19)/4 = 0.098125; D3 = (0.81 D2 + 0.19) 2^{-1}
    d3 = (0.81 * 0.098125 + 0.19) / 2
    np.testing.assert_allclose(
        sequential_mmse_distortion(source, [1, 1, 0.5]), [0.25, 0.098125, d3]
    )


def test_zero_rate_tracks_the_prior_variance():
    source = GaussMarkovSource([0.5], sigma2_1=4.0, innovation_var=[1.0])
    np.testing.assert_allclose(sequential_mmse_distortion(source, [0, 0]), [4.0, 2.0])


@given(st.lists(st.floats(0, 4), min_size=1, max_size=5), st.floats(-0.99, 0.99))
@settings(max_examples=30)
def test_estimate_variance_lies_between_zero_and_the_frame_variance(rates, rho):
    source = GaussMarkovSource([rho] * (len(rates) - 1))
    q = mmse_estimate_variance(source, rates)
    assert np.all(q >= -1e-12)
    assert np.all(q <= source.sigma2 + 1e-12)


def test_rates_must_match_the_frames():
    with pytest.raises(UsageError, match="--rates"):
        sequential_mmse_distortion(GaussMarkovSource([0.9]), [1.0, 1.0, 1.0])
