"""Single-frame anchors D(R, ∞) and D(R, 0)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqrdp.theory import mmse_distortion, perfect_realism_distortion

rates = st.floats(0.0, 8.0)
variances = st.floats(0.01, 100.0)


def test_anchor_values_at_one_bit():
    # 2^{-2} = 1/4; 2(1 − √(3/4)) = 2 − √3.
    assert mmse_distortion(1.0) == pytest.approx(0.25)
    assert perfect_realism_distortion(1.0) == pytest.approx(2.0 - np.sqrt(3.0))


def test_at_zero_rate_realism_doubles_the_variance():
    assert perfect_realism_distortion(0.0, 3.0) == pytest.approx(6.0)
    assert mmse_distortion(0.0, 3.0) == pytest.approx(3.0)


@given(rates, variances)
def test_perfect_realism_costs_at_most_twice_mmse(rate, sigma2):
    # Blau & Michaeli: D(R, 0) ≤ 2 D(R, ∞).
    mmse = mmse_distortion(rate, sigma2)
    realism = perfect_realism_distortion(rate, sigma2)
    assert mmse <= realism * (1 + 1e-12)
    assert realism <= 2 * mmse * (1 + 1e-9)


def test_anchors_are_vectorised():
    out = perfect_realism_distortion(np.array([0.0, 1.0, 2.0]), np.array([[1.0], [2.0]]))
    assert out.shape == (2, 3)
    assert out[1, 0] == pytest.approx(4.0)
