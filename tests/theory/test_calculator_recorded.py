"""The calculator against the numbers it gave before its O(j²) rewrite, and against the solver.

``data/calculator_recorded.json`` holds the per-frame distortions of the earlier calculator
(SLSQP on the covariance form of each step) on a grid of sources, rates, budgets and PLFs. The
rewrite (innovation coordinates, a one-variable dual, closed-form recursions at P ∈ {0, ∞})
must reproduce them to the earlier calculator's own accuracy, ~1e-7: its W2 came from square
roots of eigenvalues (errors ~√ε where a covariance is nearly singular), and a decoder at the
flat bottom of jd's loss is fixed only to √(rounding of W2) ~ 1e-7.

Where the earlier SLSQP stopped short of the optimum (jd at a rate-0 frame with a finite
budget, by 2–4·10⁻³), the independent test-channel solver decides: it agrees with the rewrite.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from seqrdp.theory import GaussMarkovSource, distortion_per_frame, solve_test_channels

RECORDED = json.loads((Path(__file__).parent / "data" / "calculator_recorded.json").read_text())
SAME = 1e-7  # the earlier calculator's accuracy (module docstring)
# (source, rates, budgets, plf) where the earlier SLSQP stopped short: the new value is lower.
STOPPED_SHORT = {
    ("mixed", "zero_later", "growing", "jd"),
    ("zero_rho", "zero_later", "growing", "jd"),
}


def _budgets(values):
    return [math.inf if b == "inf" else b for b in values]


def _case(grid, name, frames):
    source_name, rates_name, budgets_name, plf = name.split("-")
    spec = grid["sources"][source_name]
    innovation = spec["innovation_var"]
    source = GaussMarkovSource(
        spec["rho"][: frames - 1],
        sigma2_1=spec["sigma2_1"],
        innovation_var=None if innovation is None else innovation[: frames - 1],
    )
    rates = grid["rates"][rates_name][:frames]
    budgets = _budgets(grid["budgets"][budgets_name][:frames])
    return source, rates, budgets, plf


def _recorded(values):
    return np.array([np.nan if d is None else d for d in values])


@pytest.mark.parametrize("grid_name", ["short", "long"])
def test_the_rewrite_reproduces_the_recorded_distortions(grid_name):
    grid = RECORDED if grid_name == "short" else RECORDED["long"]
    frames = 6 if grid_name == "short" else 25
    for name, values in grid["distortion"].items():
        source, rates, budgets, plf = _case(grid, name, frames)
        got = distortion_per_frame(source, rates, budgets, plf)
        expected = _recorded(values)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=name)
        if tuple(name.split("-")) in STOPPED_SHORT:
            assert np.nanmax(got - expected) <= SAME, name
            assert np.nanmin(got - expected) < -1e-3, name
        else:
            np.testing.assert_allclose(got, expected, rtol=0, atol=SAME, err_msg=name)


@pytest.mark.parametrize("case", sorted(STOPPED_SHORT))
def test_where_the_earlier_calculator_stopped_short_the_solver_agrees_with_the_rewrite(case):
    source, rates, budgets, plf = _case(RECORDED, "-".join(case), 3)
    solver = solve_test_channels(source, rates, budgets, plf, "universal").distortion
    got = distortion_per_frame(source, rates, budgets, plf)
    np.testing.assert_allclose(got, solver, atol=2e-5)  # the solver's tolerance (test_solver)
    recorded = _recorded(RECORDED["distortion"]["-".join(case)][:3])
    assert np.max(recorded - solver) > 1e-3  # the earlier value was above the optimum
