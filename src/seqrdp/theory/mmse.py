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


def mmse_estimate_variance(source: GaussMarkovSource, rates: float | Sequence[float]) -> np.ndarray:
    """``q_j = Var E[X_j | U^j] = σ_j² − D_j``: how much of frame ``j`` the representations carry.

    The largest value any encoder at these rates can reach, at every frame simultaneously.
    Computed as ``(σ_j² − Var(X_j | U^{j−1})) + Var(X_j | U^{j−1})·(1 − 2^{−2R_j})`` with
    ``expm1``, so that a tiny rate still gives a positive ``q_j`` (``1 − 2^{−2R}`` would round
    to 0 below R ≈ 1e-16 and lose the ``√q`` behaviour of perfect-realism distortion).
    """
    rates = check_rates(rates, source.frames)
    distortion = sequential_mmse_distortion(source, rates)
    sigma2 = np.asarray(source.sigma2, dtype=float)
    prior = np.empty(source.frames)
    prior[0] = source.sigma2_1
    for j in range(1, source.frames):
        prior[j] = source.rho[j - 1] ** 2 * distortion[j - 1] + source.innovation_var[j - 1]
    gained = -np.expm1(-2.0 * np.log(2.0) * rates)
    return (sigma2 - prior) + prior * gained
