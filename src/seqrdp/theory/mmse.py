"""The greedy MMSE sequential coder: the encoder that every PLF can share.

Given ``U_1 … U_{j−1}``, the conditional variance of the next frame is
``ρ_{j−1}² D_{j−1} + v_{j−1}``; a rate-``R_j`` innovation channel divides it by ``2^{2R_j}``:
``D_j = (ρ_{j−1}² D_{j−1} + v_{j−1}) 2^{−2R_j}``, ``D_1 = σ_1² 2^{−2R_1}``. Because
``I(X^j; U_j | U^{j−1}) ≥ h(X_j | U^{j−1}) − h(X_j | U^j)``, no encoder at these rates has a
smaller conditional variance at any frame, so the recursion is also the largest possible
``q_j = Var E[X_j | U^j] = σ_j² − D_j`` frame by frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqrdp.theory.inputs import check_rates
from seqrdp.theory.source import GaussMarkovSource


def sequential_mmse_distortion(
    source: GaussMarkovSource, rates: float | Sequence[float]
) -> np.ndarray:
    """Per-frame MSE ``D_j = Var(X_j | U^j)`` of the greedy MMSE sequential coder.

    Parameters
    ----------
    source : GaussMarkovSource
        The source (``T`` frames).
    rates : sequence of float
        ``R_1 … R_T`` in bits/sample.

    Returns
    -------
    numpy.ndarray
        ``D_1 … D_T``, mean squared error per sample.
    """
    rates = check_rates(rates, source.frames)
    distortion = np.empty(source.frames)
    prior = source.sigma2_1  # Var(X_j | U^{j-1})
    for j, rate in enumerate(rates):
        if j > 0:
            prior = source.rho[j - 1] ** 2 * distortion[j - 1] + source.innovation_var[j - 1]
        distortion[j] = prior * np.exp2(-2.0 * rate)
    return distortion


def _prior_and_gain(source: GaussMarkovSource, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Var(X_j | U^{j−1})`` and the fraction ``1 − 2^{−2R_j}`` of it that frame ``j`` resolves.

    The fraction uses ``expm1``, so that a tiny rate still resolves a positive part (``1 − 2^{−2R}``
    would round to 0 below R ≈ 1e-16 and lose the ``√q`` behaviour of perfect-realism distortion).
    """
    distortion = sequential_mmse_distortion(source, rates)
    prior = np.empty(source.frames)
    prior[0] = source.sigma2_1
    for j in range(1, source.frames):
        prior[j] = source.rho[j - 1] ** 2 * distortion[j - 1] + source.innovation_var[j - 1]
    return prior, -np.expm1(-2.0 * np.log(2.0) * rates)


def mmse_estimate_variance(source: GaussMarkovSource, rates: float | Sequence[float]) -> np.ndarray:
    """``q_j = Var E[X_j | U^j] = σ_j² − D_j``: how much of frame ``j`` the representations carry.

    The largest value any encoder at these rates can reach, at every frame simultaneously.
    Computed as ``q_j = ρ_{j−1}² q_{j−1} + r_j²`` (:func:`mmse_innovation_variance`), which has
    no cancellation: ``σ_j² − D_j`` loses all digits of a small ``q_j``.
    """
    innovation = mmse_innovation_variance(source, rates)
    estimate = np.empty(source.frames)
    estimate[0] = innovation[0]
    for j in range(1, source.frames):
        estimate[j] = source.rho[j - 1] ** 2 * estimate[j - 1] + innovation[j]
    return estimate


def mmse_innovation_variance(
    source: GaussMarkovSource, rates: float | Sequence[float]
) -> np.ndarray:
    """``r_j² = q_j − ρ_{j−1}² q_{j−1}`` (``r_1² = q_1``): what frame ``j``'s representation adds.

    ``X̃_j = ρ_{j−1} X̃_{j−1} + Δ_j`` with ``Δ_j`` independent of ``U^{j−1}``, and
    ``Var Δ_j = Var(X_j | U^{j−1})·(1 − 2^{−2R_j})``: computed so, without the cancellation of
    the difference (``r_j = 0`` exactly at rate 0).
    """
    rates = check_rates(rates, source.frames)
    prior, gain = _prior_and_gain(source, rates)
    return prior * gain
