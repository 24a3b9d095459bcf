"""The closed-form recursions at P ∈ {0, ∞}: against the docs' formulas and the general path."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.theory import (
    GaussMarkovSource,
    distortion_per_frame,
    greedy_decoders,
    mmse_estimate_variance,
)
from seqrdp.theory.closed_form import has_closed_form

from .strategies import rates_for, sources

SLOW_MATH = settings(max_examples=25, deadline=None)


def docs_perfect_realism(source, rates, plf):
    """jd and sa at P = 0 as ``docs/theory.md`` writes them, from ``q`` alone.

    jd: ``D_j = 2σ_j² − 2(ρ² a_{j−1} + √v r_j)``, ``a_j = ρ² a_{j−1} + √v r_j``;
    sa: ``D_j = 2(σ_j² − m) − 2√((q_j − m)(σ_j² − m))``, ``m = ρ² q_{j−1}``; frame 1:
    ``D(R, 0) = 2σ² − 2σ√q``.
    """
    q = mmse_estimate_variance(source, rates)
    sigma2 = source.sigma2
    a = math.sqrt(sigma2[0] * q[0])
    out = [2 * sigma2[0] - 2 * a]
    for j in range(1, source.frames):
        rho, v = source.rho[j - 1], source.innovation_var[j - 1]
        m = rho**2 * q[j - 1]
        r = math.sqrt(max(q[j] - m, 0.0))
        if plf == "jd":
            a = rho**2 * a + math.sqrt(v) * r
            out.append(2 * sigma2[j] - 2 * a)
        else:
            out.append(2 * (sigma2[j] - m) - 2 * math.sqrt(max(q[j] - m, 0.0) * (sigma2[j] - m)))
    return np.array(out)


@given(sources(max_frames=30), st.data(), st.sampled_from(["jd", "sa"]))
@SLOW_MATH
def test_perfect_realism_recursions_are_the_docs_formulas(source, data, plf):
    rates = data.draw(rates_for(source.frames))
    got = distortion_per_frame(source, rates, 0.0, plf)
    # The docs' form subtracts numbers of order σ² (the recursion adds squares): 1e-9 covers it.
    np.testing.assert_allclose(got, docs_perfect_realism(source, rates, plf), atol=1e-9)


@given(sources(min_frames=2, max_frames=6), st.data())
@SLOW_MATH
def test_the_recursions_are_the_general_path(source, data):
    # greedy_decoders always walks the general path (innovation coordinates, polar factors);
    # distortion_per_frame takes the scalar recursion wherever every step is closed-form.
    rates = data.draw(rates_for(source.frames))
    plf = data.draw(st.sampled_from(["mse", "fmd", "jd", "sa"]))
    budgets = data.draw(st.lists(st.sampled_from([0.0, math.inf, 0.05]), min_size=source.frames,
                                 max_size=source.frames))  # fmt: skip
    if plf == "jd":  # jd's closed form needs a perfect past: zeros, then ∞
        budgets = sorted(budgets, key=lambda b: (b != 0.0, b))
        budgets = [b if b in (0.0, math.inf) else math.inf for b in budgets]
    elif plf == "sa":
        budgets = [budgets[0]] + [b if b != 0.05 else 0.0 for b in budgets[1:]]
    assert has_closed_form(plf, np.array(budgets))
    general = [step.distortion(decoder) for step, decoder in
               greedy_decoders(source, rates, budgets, plf)]  # fmt: skip
    np.testing.assert_allclose(
        distortion_per_frame(source, rates, budgets, plf), general, atol=1e-9
    )


def test_a_thousand_frames_at_perfect_realism_stay_between_the_anchors():
    source = GaussMarkovSource([0.9] * 999)
    rates = [0.3] * 1000
    mse = distortion_per_frame(source, rates, np.inf, "mse")
    for plf in ("fmd", "jd", "sa"):
        d = distortion_per_frame(source, rates, 0.0, plf)
        assert np.all(d >= mse - 1e-12) and np.all(d <= 2.0)  # D(R, 0) ≤ 2σ²
    # A stationary source at a constant rate settles: the last frames repeat to rounding.
    jd = distortion_per_frame(source, rates, 0.0, "jd")
    assert abs(jd[-1] - jd[-2]) < 1e-12


def test_has_closed_form_names_the_budget_patterns():
    zeros, infs = np.zeros(4), np.full(4, np.inf)
    assert has_closed_form("jd", zeros) and has_closed_form("jd", infs)
    assert has_closed_form("jd", np.array([0.0, 0.0, np.inf, np.inf]))
    assert not has_closed_form("jd", np.array([np.inf, 0.0, 0.0, 0.0]))  # floor needed
    assert not has_closed_form("jd", np.array([0.1, 0.0, 0.0, 0.0]))
    assert has_closed_form("sa", np.array([0.1, 0.0, np.inf, 0.0]))
    assert not has_closed_form("sa", np.array([0.0, 0.1, 0.0, 0.0]))
    assert has_closed_form("fmd", np.array([0.1, 0.3, 0.0, np.inf]))
