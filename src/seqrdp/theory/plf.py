"""What each perception loss function compares, as data.

Every PLF compares two zero-mean Gaussian laws: a reference ``N(0, A)`` and the law of the
last ``n`` reconstructions ``N(0, Cov(X̂_{j−n+1} … X̂_j))``. Only ``A`` and ``n`` differ:

=====  ==========================================  ===========================================
PLF    reference law                               compared reconstructions
=====  ==========================================  ===========================================
fmd    ``P_{X_j}``: ``[[σ_j²]]``                   ``X̂_j``
jd     ``P_{X_1…X_j}``: ``Cov(X^j)``               ``X̂_1 … X̂_j``
sa     ``P_{X̂_1…X̂_{j−1},X_j}``: ``[[K, c], [cᵀ, σ_j²]]``   ``X̂_1 … X̂_j``
mse    (no constraint)
=====  ==========================================  ===========================================

In innovation coordinates (:mod:`seqrdp.theory.state`) both laws have factors whose rows are
the variables' coordinates: the reconstructions ``L`` (last row ``x``) and a reference ``F``
(last row ``u``). With ``W2²(N(0, FFᵀ), N(0, LLᵀ)) = ‖F‖² + ‖L‖² − 2‖FᵀL‖_*`` (nuclear norm),

    W2²(x) = offset + ‖x‖² − 2‖M0 + u xᵀ‖_*,   M0 = (F's past rows)ᵀ(L's past rows),

and again only the data differ: jd's reference rows are the source's (``F = C``, ``u = c_j``,
``M0 = CᵀL``); sa's are the past reconstructions themselves followed by ``X_j``
(``u = (w', √(σ_j² − ‖w'‖²))``, ``M0 = LᵀL``); fmd's is ``X_j`` alone (``M0 = 0``,
``‖u‖ = σ_j``).
"""

from __future__ import annotations

import math

import numpy as np

from seqrdp.plfs import FMD, JD, MMSE_HEAD, SA
from seqrdp.theory.state import Decoder, Frame, InnovationState, Step, bordered
from seqrdp.theory.step_numeric import StepProblem
from seqrdp.theory.wasserstein import GaussianW2


def perception_reference(plf: str, step: Step) -> np.ndarray | None:
    """Covariance ``A`` of the law the PLF wants the reconstructions to match (``None``: mse)."""
    if plf == MMSE_HEAD:
        return None
    if plf == FMD:
        return np.array([[step.sigma2]])
    if plf == JD:
        return step.source_cov
    if plf == SA:
        reference = np.empty((step.frame, step.frame))
        reference[:-1, :-1] = step.past_cov
        reference[:-1, -1] = reference[-1, :-1] = step.cross
        reference[-1, -1] = step.sigma2
        return reference
    raise ValueError(f"unknown PLF {plf!r}")


def perception_loss(plf: str, step: Step, decoder: Decoder) -> float:
    """Perception loss ``P_j`` (squared W2) of frame ``j`` under ``decoder``; ``0`` for mse."""
    reference = perception_reference(plf, step)
    if reference is None:
        return 0.0
    n = len(reference)
    return GaussianW2(reference).value(step.reconstruction_cov(decoder)[-n:, -n:])


def step_problem(plf: str, state: InnovationState, frame: Frame) -> StepProblem:
    """Frame ``j``'s step problem in innovation coordinates, with ``x ↦ W2²`` (not for mse)."""
    j = frame.index
    past_trace = float(np.trace(state.gram))  # tr K = ‖L's past rows‖²
    if plf == JD:
        cross = bordered(state.source_cross)
        row = frame.source_row
        offset = float(np.sum(state.source.sigma2[:j])) + past_trace
    elif plf == SA:
        cross = bordered(state.gram)
        past = frame.target[:-1]
        row = np.append(past, math.sqrt(max(frame.sigma2 - past @ past, 0.0)))
        offset = 2.0 * past_trace + frame.sigma2
    elif plf == FMD:
        cross = np.zeros((j, j))
        row = np.zeros(j)
        row[-1] = math.sqrt(frame.sigma2)
        offset = frame.sigma2
    else:
        raise ValueError(f"no perception geometry for PLF {plf!r}")
    return StepProblem(cross, row, offset, frame.target)
