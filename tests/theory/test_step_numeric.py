"""The finite-budget step (one-variable dual in innovation coordinates), checked in the paper's.

The checks use only :class:`~seqrdp.theory.state.Step` (``D_j`` from ``b, γ, K, c``) and
:func:`~seqrdp.theory.plf.perception_loss` (W2 from covariance matrices), none of the
innovation-coordinate machinery: where the budget binds, the decoder must sit on the
constraint with the gradients of ``D_j`` and ``W2²`` opposed (KKT; the problem is convex, so
this is the global optimum).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.theory import GaussMarkovSource, distortion_per_frame, greedy_decoders
from seqrdp.theory.plf import perception_loss
from seqrdp.theory.state import Decoder

from .strategies import sources


def _gradient(function, theta, h=1e-6):
    """Central differences of ``function`` at ``theta``."""
    grad = np.empty_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = h
        grad[i] = (function(theta + step) - function(theta - step)) / (2 * h)
    return grad


def _binding_frames(plf, solved, budgets):
    """``(step, decoder, budget)`` for the frames where neither closed form applies."""
    spent = 0.0
    for (step, decoder), budget in zip(solved, budgets, strict=True):
        mmse = Decoder(step.regression(), step.residual)
        floor = spent if plf == "jd" else 0.0
        if step.frame > 1 and perception_loss(plf, step, mmse) > budget + 1e-6 > floor + 2e-6:
            yield step, decoder, budget
        spent = perception_loss(plf, step, decoder)


@given(sources(min_frames=2, max_frames=4), st.data(), st.sampled_from(["jd", "sa"]))
@settings(max_examples=20, deadline=None)
def test_where_the_budget_binds_the_decoder_is_a_kkt_point(source, data, plf):
    rates = data.draw(st.lists(st.floats(0.1, 2.0), min_size=source.frames,
                               max_size=source.frames))  # fmt: skip
    first = data.draw(st.floats(0.002, 0.02))
    budgets = list(first + np.cumsum([0.0] + [data.draw(st.floats(0.002, 0.03))
                                              for _ in range(source.frames - 1)]))  # fmt: skip
    solved = greedy_decoders(source, rates, budgets, plf)
    for step, decoder, budget in _binding_frames(plf, solved, budgets):
        theta = np.append(decoder.b, decoder.gamma)

        def distortion(t, step=step):
            return step.distortion(Decoder(t[:-1], t[-1]))

        def loss(t, step=step):
            return perception_loss(plf, step, Decoder(t[:-1], t[-1]))

        assert loss(theta) == pytest.approx(budget, abs=1e-8)  # on the constraint
        grad_d, grad_p = _gradient(distortion, theta), _gradient(loss, theta)
        multiplier = -(grad_d @ grad_p) / (grad_p @ grad_p)
        assert multiplier > 0
        assert np.linalg.norm(grad_d + multiplier * grad_p) <= 1e-4 * np.linalg.norm(grad_d)


@pytest.mark.parametrize(("plf", "budgets"), [
    ("jd", [0.01 * j for j in range(1, 41)]),
    ("sa", [0.02] * 40),
])  # fmt: skip
def test_forty_frames_meet_their_budgets_in_the_papers_coordinates(plf, budgets):
    source = GaussMarkovSource([0.9, 0.7, -0.5, 0.95] * 9 + [0.8, 0.8, 0.8])
    rates = [0.3, 1.0, 0.05, 0.0, 2.0] * 8
    solved = greedy_decoders(source, rates, budgets, plf)
    explicit = [step.distortion(decoder) for step, decoder in solved]
    np.testing.assert_allclose(distortion_per_frame(source, rates, budgets, plf), explicit,
                               atol=1e-9)  # fmt: skip
    for (step, decoder), budget in zip(solved, budgets, strict=True):
        assert perception_loss(plf, step, decoder) <= budget + 1e-8
