"""The independent test-channel solver, and the calculator checked against it.

The solver optimises jointly Gaussian encoders ``U_j = A_j X^j + Z_j`` (two rows) and decoders
``X̂_j = B_j U^j + C_j W`` directly, without the reduction the calculator uses; agreement of the
two is the evidence for the closed forms and for the universality of MMSE representations.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.theory import (
    GaussMarkovSource,
    distortion_per_frame,
    perfect_realism_distortion,
    sequential_mmse_distortion,
    solve_test_channels,
)

from .strategies import budgets_for, rates_for, sources

# The solver accepts constraint violations of 1e-6 (rate and perception); with W2 that can move
# D by ~1e-5 near a perfect-realism boundary, on either side of the true optimum, and by how
# much depends on the machine's floating point. Every solver comparison uses this tolerance.
AGREEMENT = 2e-5
FEW = settings(max_examples=6, deadline=None)


def test_solver_mse_is_the_mmse_recursion_at_full_rate():
    source = GaussMarkovSource([0.9, -0.6], sigma2_1=1.5)
    rates = [0.4, 1.0, 0.2]
    result = solve_test_channels(source, rates, np.inf, "mse", "optimal")
    np.testing.assert_allclose(
        result.distortion, sequential_mmse_distortion(source, rates), atol=AGREEMENT
    )
    np.testing.assert_allclose(result.rate_bits, rates, atol=1e-6)


def test_solver_single_frame_perfect_realism_is_D_R_0():
    source = GaussMarkovSource([], sigma2_1=2.0)
    for rate in (0.0, 0.3, 1.5):
        result = solve_test_channels(source, [rate], 0.0, "fmd", "optimal")
        assert result.distortion[0] == pytest.approx(
            perfect_realism_distortion(rate, 2.0), abs=AGREEMENT
        )


def test_solver_universal_mode_spends_exactly_the_rate():
    source = GaussMarkovSource([0.8])
    result = solve_test_channels(source, [0.5, 1.5], 0.0, "jd", "universal")
    np.testing.assert_allclose(result.rate_bits, [0.5, 1.5], atol=1e-9)
    np.testing.assert_allclose(result.perception, 0.0, atol=1e-6)


@given(sources(max_frames=3), st.data())
@FEW
def test_calculator_matches_the_solver(source, data):
    rates = data.draw(rates_for(source.frames, high=1.5))
    budgets = data.draw(budgets_for(source.frames))
    plf = data.draw(st.sampled_from(["fmd", "jd", "sa"]))
    expected = solve_test_channels(source, rates, budgets, plf, "optimal").distortion
    got = distortion_per_frame(source, rates, budgets, plf)
    np.testing.assert_allclose(got, expected, atol=AGREEMENT)


@given(sources(min_frames=2, max_frames=3), st.data())
@FEW
def test_no_encoder_beats_the_mmse_representations(source, data):
    # Universality: an encoder designed for the PLF (solver, optimal mode, two-row channels)
    # reaches the same per-frame distortion as the MMSE encoder with a PLF decoder.
    rates = data.draw(rates_for(source.frames, high=1.5))
    budgets = data.draw(budgets_for(source.frames))
    plf = data.draw(st.sampled_from(["fmd", "jd", "sa"]))
    optimal = solve_test_channels(source, rates, budgets, plf, "optimal").distortion
    universal = solve_test_channels(source, rates, budgets, plf, "universal").distortion
    np.testing.assert_allclose(universal, optimal, atol=AGREEMENT)


def test_universality_holds_where_the_first_frame_is_poor():
    # The setting of error permanence (R_1 ≈ 0), where a PLF-specific encoder would have the
    # most to gain.
    source = GaussMarkovSource([0.9, 0.9])
    rates, budgets = [0.05, 1.0, 0.6], [0.01, 0.05, 0.1]
    for plf in ("jd", "sa"):
        optimal = solve_test_channels(source, rates, budgets, plf, "optimal").distortion
        universal = solve_test_channels(source, rates, budgets, plf, "universal").distortion
        calculator = distortion_per_frame(source, rates, budgets, plf)
        np.testing.assert_allclose(universal, optimal, atol=AGREEMENT)
        np.testing.assert_allclose(calculator, optimal, atol=AGREEMENT)


def test_solver_finds_jd_infeasible_after_an_unconstrained_first_frame():
    source = GaussMarkovSource([0.9])
    result = solve_test_channels(source, [1.0, 1.0], [np.inf, 0.0], "jd", "optimal")
    assert np.isnan(result.distortion[1])
