"""The test channels behind the one-shot codes rebuild the calculator's joint law."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.theory import GaussMarkovSource, distortion_per_frame, gaussian_w2_squared
from seqrdp.theory.channels import frame_channels
from seqrdp.theory.oneshot import _compared

from .strategies import budgets_for, rates_for, sources


@settings(max_examples=25, deadline=None)
@given(data=st.data(), plf=st.sampled_from(["mse", "fmd", "jd", "sa"]))
def test_the_joint_law_has_the_calculator_s_distortion_and_perception(data, plf):
    source = data.draw(sources(max_frames=4))
    t = source.frames
    rates = data.draw(rates_for(t))
    budgets = data.draw(budgets_for(t))
    solution = frame_channels(source, rates, budgets, plf)
    cov = solution.joint_cov
    expected = distortion_per_frame(source, rates, budgets, plf)
    for j, channel in enumerate(solution.frames, start=1):
        if channel is None:
            assert math.isnan(expected[j - 1])
            continue
        x, y = j - 1, t + j - 1
        assert cov[x, x] + cov[y, y] - 2 * cov[x, y] == pytest.approx(expected[j - 1], abs=1e-7)
        assert channel.distortion == pytest.approx(expected[j - 1], abs=1e-9)
        compared = _compared(plf, j, t)
        if compared is not None:
            a, b = compared
            loss = gaussian_w2_squared(cov[np.ix_(a, a)], cov[np.ix_(b, b)])
            assert loss == pytest.approx(channel.perception, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), plf=st.sampled_from(["mse", "fmd", "jd", "sa"]))
def test_the_decoder_s_law_is_the_encoder_s_averaged_over_the_source(data, plf):
    # Var(X̂_j | X̂^{j−1}) = s_enc² + Var(μ_enc − μ_dec): the conditional-variance identity, with
    # μ_enc − μ_dec's variance computed from the joint covariance.
    source = data.draw(sources(max_frames=3))
    t = source.frames
    solution = frame_channels(source, data.draw(rates_for(t)), data.draw(budgets_for(t)), plf)
    cov = solution.joint_cov
    for j, channel in enumerate(solution.frames, start=1):
        if channel is None:
            continue
        weights = np.zeros(len(cov))
        weights[:j] = channel.source_weights
        weights[t : t + j - 1] = channel.past_weights - channel.decoder_weights
        spread = weights @ cov @ weights
        assert channel.encoder_var + spread == pytest.approx(channel.decoder_var, abs=1e-8)
        assert 0.0 <= channel.information_bits < math.inf


@settings(max_examples=25, deadline=None)
@given(data=st.data(), plf=st.sampled_from(["mse", "fmd", "jd", "sa"]))
def test_every_frame_s_channel_carries_the_frame_s_rate(data, plf):
    # X̂_j is an invertible function of X̃_j given the past, and the past reconstructions carry
    # what U^{j−1} says about X̃_j: so I(X^j; X̂_j | X̂^{j−1}) = I(X^j; U_j | U^{j−1}) = R_j.
    source = data.draw(sources(max_frames=4))
    rates = data.draw(rates_for(source.frames))
    solution = frame_channels(source, rates, data.draw(budgets_for(source.frames)), plf)
    for channel in solution.frames:
        if channel is not None:
            assert channel.information_bits == pytest.approx(rates[channel.frame - 1], abs=1e-6)


def test_a_frame_at_rate_zero_after_an_mmse_past_carries_nothing():
    solution = frame_channels(GaussMarkovSource([0.9]), [1.0, 0.0], np.inf, "mse")
    second = solution.frames[1]
    assert second.information_bits == 0.0 and second.decoder_var == pytest.approx(0.0, abs=1e-12)


def test_an_infeasible_jd_frame_ends_the_channels():
    solution = frame_channels(GaussMarkovSource([0.9]), [1.0, 1.0], [0.1, 0.0], "jd")
    assert solution.frames[0] is not None and solution.frames[1] is None
