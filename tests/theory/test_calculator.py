"""Per-frame distortion of the greedy sequential optimum: anchors, closed forms, properties."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from seqrdp.errors import UsageError
from seqrdp.plfs import HEADS, PLFS
from seqrdp.theory import (
    GaussMarkovSource,
    distortion_per_frame,
    greedy_decoders,
    mmse_distortion,
    perfect_realism_distortion,
    rdp_table,
    sequential_mmse_distortion,
)
from seqrdp.theory.closed_form import fmd_decoder
from seqrdp.theory.mmse import mmse_estimate_variance, mmse_innovation_variance
from seqrdp.theory.plf import perception_loss, step_problem
from seqrdp.theory.state import InnovationState

from .strategies import budgets_for, rates_for, sources

SLOW_MATH = settings(max_examples=25, deadline=None)
# Timing deadlines measure the machine, not the code.
NO_DEADLINE = settings(deadline=None)


@given(sources(), st.data())
@SLOW_MATH
def test_infinite_budget_makes_every_plf_the_mmse_recursion(source, data):
    rates = data.draw(rates_for(source.frames))
    expected = sequential_mmse_distortion(source, rates)
    for plf in HEADS:
        np.testing.assert_allclose(
            distortion_per_frame(source, rates, np.inf, plf), expected, rtol=1e-10, atol=1e-12
        )


@given(st.floats(0, 6), st.floats(0, 3), st.floats(0.1, 10))
@NO_DEADLINE
def test_fmd_single_frame_is_the_known_rdp_function(rate, budget, sigma2):
    # Zhang et al. 2021, Thm 2: D = σ²2^{−2R} when √P ≥ σ − σ√(1 − 2^{−2R}), else
    # σ² + (σ − √P)² − 2σ(σ − √P)√(1 − 2^{−2R}).
    sigma, root = math.sqrt(sigma2), math.sqrt(1 - 2 ** (-2 * rate))
    if math.sqrt(budget) >= sigma - sigma * root:
        expected = sigma2 * 2 ** (-2 * rate)
    else:
        s = sigma - math.sqrt(budget)
        expected = sigma2 + s**2 - 2 * sigma * s * root
    source = GaussMarkovSource([], sigma2_1=sigma2)
    for plf in PLFS:  # at frame 1 every PLF compares P_{X_1} with P_{X̂_1}
        got = distortion_per_frame(source, [rate], budget, plf)[0]
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@given(st.floats(0, 6), st.floats(0.1, 10))
@NO_DEADLINE
def test_perfect_realism_single_frame_is_D_R_0_and_unconstrained_is_D_R_inf(rate, sigma2):
    source = GaussMarkovSource([], sigma2_1=sigma2)
    for plf in PLFS:
        assert distortion_per_frame(source, [rate], 0.0, plf)[0] == pytest.approx(
            perfect_realism_distortion(rate, sigma2), rel=1e-9, abs=1e-12
        )
        assert distortion_per_frame(source, [rate], np.inf, plf)[0] == pytest.approx(
            mmse_distortion(rate, sigma2), rel=1e-9
        )


def test_jd_error_permanence_a_useless_first_frame_poisons_the_second():
    # R_1 = 0: X̂_1 is independent of X_1, and jd at P = 0 forces X̂_2 = ρX̂_1 + √v E_2, so even
    # as R_2 → ∞, D_2 → σ² + σ² − 2√v·σ = 2 − 2√0.19 for a unit stationary source with ρ = 0.9.
    source = GaussMarkovSource([0.9])
    jd = distortion_per_frame(source, [0.0, 20.0], 0.0, "jd")[1]
    fmd = distortion_per_frame(source, [0.0, 20.0], 0.0, "fmd")[1]
    assert jd == pytest.approx(2 - 2 * math.sqrt(0.19), rel=1e-6)
    assert fmd == pytest.approx(0.0, abs=1e-10)  # fmd reaches its large-rate limit
    # At R_2 = 3 bits the gap is still two orders of magnitude.
    jd3 = distortion_per_frame(source, [0.0, 3.0], 0.0, "jd")[1]
    fmd3 = distortion_per_frame(source, [0.0, 3.0], 0.0, "fmd")[1]
    assert jd3 > 50 * fmd3


@given(st.floats(-0.95, 0.95), st.floats(0, 4))
@NO_DEADLINE
def test_sa_follows_fmd_after_a_useless_first_frame(rho, rate_2):
    source = GaussMarkovSource([rho])
    sa = distortion_per_frame(source, [0.0, rate_2], 0.0, "sa")[1]
    fmd = distortion_per_frame(source, [0.0, rate_2], 0.0, "fmd")[1]
    assert sa == pytest.approx(fmd, rel=1e-9, abs=1e-12)


@given(st.floats(-0.95, 0.95), st.floats(0, 4))
@NO_DEADLINE
def test_sa_follows_jd_after_a_near_perfect_first_frame(rho, rate_2):
    source = GaussMarkovSource([rho])
    sa = distortion_per_frame(source, [25.0, rate_2], 0.0, "sa")[1]
    jd = distortion_per_frame(source, [25.0, rate_2], 0.0, "jd")[1]
    assert sa == pytest.approx(jd, abs=1e-6)


def simulate_perfect_realism_pair(plf, rates, rho, n=400_000, seed=0):
    """Monte Carlo of the explicit P = 0 scheme for T = 2 (unit stationary source).

    Encoder: MMSE innovation channels. Decoder: X̂_1 = X̃_1/√q_1; X̂_2 from the rule the PLF's
    law constraint forces (written out here independently of the library).
    """
    rng = np.random.default_rng(seed)
    v = 1 - rho**2
    x1 = rng.normal(size=n)
    x2 = rho * x1 + math.sqrt(v) * rng.normal(size=n)
    d1 = 2.0 ** (-2 * rates[0])
    u1 = x1 + math.sqrt(d1 / (1 - d1)) * rng.normal(size=n) if d1 < 1 else np.zeros(n)
    est1 = (1 - d1) * u1  # E[X1 | U1]
    xhat1 = est1 / math.sqrt(1 - d1)
    prior = rho**2 * d1 + v  # Var(X2 | U1)
    d2 = prior * 2.0 ** (-2 * rates[1])
    innovation = x2 - rho * est1
    u2 = innovation + math.sqrt(d2 * prior / (prior - d2)) * rng.normal(size=n)
    est2 = rho * est1 + (prior - d2) / prior * u2  # E[X2 | U1, U2]
    # Residual of X̃_2 after projecting on X̂_1, normalised (empirical regressions).
    resid = est2 - np.dot(est2, xhat1) / np.dot(xhat1, xhat1) * xhat1
    unit = resid / resid.std()
    if plf == "jd":  # (X̂_1, X̂_2) ~ (X_1, X_2): X̂_2 = ρX̂_1 + √v E
        xhat2 = rho * xhat1 + math.sqrt(v) * unit
    else:  # sa: (X̂_1, X̂_2) ~ (X̂_1, X_2): X̂_2 = (c/K)X̂_1 + √(1 − c²/K) E, c = E[X_2 X̂_1]
        c = np.mean(x2 * xhat1)
        xhat2 = c * xhat1 + math.sqrt(1 - c**2) * unit
    return np.mean((x2 - xhat2) ** 2), np.cov(np.stack([xhat1, xhat2]))


@pytest.mark.parametrize("plf", ["jd", "sa"])
def test_perfect_realism_second_frame_matches_a_monte_carlo_of_the_scheme(plf):
    rates, rho = [0.7, 1.2], 0.8
    simulated, cov = simulate_perfect_realism_pair(plf, rates, rho)
    assert cov[1, 1] == pytest.approx(1.0, abs=0.01)  # the marginal is realistic
    got = distortion_per_frame(GaussMarkovSource([rho]), rates, 0.0, plf)[1]
    assert got == pytest.approx(simulated, abs=0.01)


@given(sources(min_frames=2, max_frames=4), st.data())
@SLOW_MATH
def test_distortion_does_not_grow_with_the_frames_own_rate(source, data):
    rates = data.draw(rates_for(source.frames))
    budgets = data.draw(budgets_for(source.frames))
    plf = data.draw(st.sampled_from(HEADS))
    j = data.draw(st.integers(0, source.frames - 1))
    before = distortion_per_frame(source, rates, budgets, plf)
    assume(not np.isnan(before[j]))
    more = list(rates)
    more[j] += data.draw(st.floats(0.01, 1.0))
    after = distortion_per_frame(source, more, budgets, plf)
    np.testing.assert_array_equal(after[:j], before[:j])  # the past does not see the future
    assert after[j] <= before[j] + 1e-9


@given(sources(min_frames=2, max_frames=4), st.data())
@SLOW_MATH
def test_distortion_does_not_grow_with_the_frames_own_budget(source, data):
    rates = data.draw(rates_for(source.frames))
    budgets = data.draw(budgets_for(source.frames))
    plf = data.draw(st.sampled_from(PLFS))
    j = data.draw(st.integers(0, source.frames - 1))
    before = distortion_per_frame(source, rates, budgets, plf)
    assume(not np.isnan(before[j]))
    looser = list(budgets)
    looser[j] += data.draw(st.floats(0.001, 0.5))
    after = distortion_per_frame(source, rates, looser, plf)
    assert after[j] <= before[j] + 1e-9


@given(sources(max_frames=5), st.data())
@SLOW_MATH
def test_every_decoder_meets_its_budget_and_beats_no_constraint_never(source, data):
    rates = data.draw(rates_for(source.frames))
    budgets = data.draw(budgets_for(source.frames))
    plf = data.draw(st.sampled_from(PLFS))
    mmse = sequential_mmse_distortion(source, rates)
    for (step, decoder), budget, floor in zip(
        greedy_decoders(source, rates, budgets, plf), budgets, mmse, strict=True
    ):
        assert decoder is not None  # sa and fmd are always feasible; jd with growing budgets
        assert perception_loss(plf, step, decoder) <= budget * (1 + 1e-7) + 1e-9
        assert step.distortion(decoder) >= floor - 1e-9


def test_jd_cannot_take_back_perception_already_spent():
    source = GaussMarkovSource([0.9, 0.9])
    jd = distortion_per_frame(source, [1.0, 1.0, 1.0], [np.inf, 0.0, 0.0], "jd")
    assert not np.isnan(jd[0])
    assert np.isnan(jd[1:]).all()
    # The other PLFs only look at the current frame's law, so they stay feasible.
    for plf in ("fmd", "sa"):
        assert not np.isnan(distortion_per_frame(source, [1, 1, 1], [np.inf, 0, 0], plf)).any()


@pytest.mark.parametrize("plf", ["jd", "sa"])
def test_vanishing_budget_approaches_perfect_realism(plf):
    source = GaussMarkovSource([0.9, 0.7])
    rates = [0.3, 0.8, 0.5]
    # Growing budgets of order 1e-10: D moves by O(√P) ~ 1e-5 from the closed form at P = 0.
    near = distortion_per_frame(source, rates, [1e-10, 2e-10, 3e-10], plf)
    exact = distortion_per_frame(source, rates, 0.0, plf)
    np.testing.assert_allclose(near, exact, atol=1e-4)
    assert np.all(near <= exact + 1e-9)


@given(sources(min_frames=2, max_frames=4), st.data())
@SLOW_MATH
def test_numeric_step_reproduces_the_fmd_closed_form(source, data):
    # The generic constrained solver, given fmd's reference law (M0 = 0, ‖u‖ = σ_j), must land
    # on the Cauchy–Schwarz solution X̂_j = (s/√q) X̃_j.
    rates = data.draw(rates_for(source.frames))
    budget = data.draw(st.floats(0.001, 0.5))
    state = InnovationState.start(source)
    q = mmse_estimate_variance(source, rates)
    r2 = mmse_innovation_variance(source, rates)
    d = sequential_mmse_distortion(source, rates)
    for j in range(source.frames):
        frame = state.next_frame(q[j], r2[j], d[j])
        problem = step_problem("fmd", state, frame)
        least, floor = problem.least()
        assert problem.loss(least) == pytest.approx(floor, abs=1e-12)
        if j > 0 and problem.target_loss() > budget and frame.estimate_var > 1e-6:
            got = problem.constrained(budget, floor)
            expected = fmd_decoder(frame, budget)
            assert frame.distortion(got) == pytest.approx(frame.distortion(expected), abs=1e-9)
            assert problem.loss(got) == pytest.approx(budget, abs=1e-9)
        state = state.advance(frame, frame.target)


def test_rdp_table_has_one_row_per_plf_and_mode_in_the_order_asked():
    source = GaussMarkovSource([0.9])
    rows = rdp_table(source, [0.5, 1.0], 0.0, ["jd", "mse"], ["universal", "optimal"])
    assert [(r["plf"], r["mode"]) for r in rows] == [
        ("jd", "universal"),
        ("jd", "optimal"),
        ("mse", "universal"),
        ("mse", "optimal"),
    ]
    assert rows[0]["distortion"] == rows[1]["distortion"]
    assert rows[2]["distortion"] == pytest.approx([0.5, (0.81 * 0.5 + 0.19) / 4])


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"plfs": ["lpips"]}, "--plf"),
        ({"modes": ["greedy"]}, "--mode"),
        ({"rates": [1.0, -0.5]}, "--rates"),
        ({"rates": [1.0]}, "--rates"),
        ({"perception": [0.0, -1.0]}, "--perception"),
        ({"perception": [0.0, 0.0, 0.0]}, "--perception"),
    ],
)
def test_invalid_inputs_raise_usage_error_naming_the_flag(kwargs, flag):
    arguments = {"rates": [1.0, 1.0], "perception": 0.0} | kwargs
    with pytest.raises(UsageError, match=flag):
        rdp_table(GaussMarkovSource([0.9]), **arguments)
