"""Closed-form step decoders: the optimal ``X̂_j = bᵀX̂^{j−1} + γ E_j`` where one exists.

Each function solves the step-``j`` problem of :mod:`seqrdp.theory.state` (minimise ``D_j`` given
the past) for one PLF and budget. In whitened coordinates ``y = K^½ b`` the distortion is
``D_j = (σ_j² − q) + ‖y − K^{−½}c‖² + (γ − r)²``: the MMSE decoder plus the squared distance
to it, so each solution below is the point of the PLF's feasible set nearest the MMSE decoder.
Derivations: ``docs/theory.md``.
"""

from __future__ import annotations

import math

import numpy as np

from seqrdp.theory.state import Decoder, Step
from seqrdp.theory.wasserstein import psd_sqrt

_RCOND = 1e-12


def mse_decoder(step: Step) -> Decoder:
    """No perception constraint: ``X̂_j = X̃_j = E[X_j | U^j]`` (``b = K⁺c``, ``γ = r``).

    ``D_j = σ_j² − q``.
    """
    return Decoder(step.regression(), step.residual)


def fmd_decoder(step: Step, perception: float) -> Decoder:
    """Framewise-marginal PLF, any budget ``P``: ``X̂_j = (s/√q) X̃_j``, ``s = max(√q, σ_j − √P)``.

    ``W2²(N(0, σ²), N(0, s²)) = (σ − s)²``, and for a fixed ``Var X̂_j = s²`` the correlation
    with ``X_j`` is at most ``s√q`` (Cauchy–Schwarz, attained by a multiple of ``X̃_j``), so
    ``D_j = σ² + s² − 2s√q``, minimised by the smallest admissible ``s ≥ √q``. With ``q = 0``
    the reconstruction is fresh noise of variance ``s²``.
    """
    q = step.estimate_var
    s = max(math.sqrt(q), math.sqrt(step.sigma2) - math.sqrt(perception))
    if q <= 0.0:
        return Decoder(np.zeros(step.frame - 1), s)
    scale = s / math.sqrt(q)
    return Decoder(scale * step.regression(), scale * step.residual)


def sa_perfect_decoder(step: Step) -> Decoder:
    """Self-adaptive PLF at ``P = 0``: ``(X̂^{j−1}, X̂_j)`` must have the law of ``(X̂^{j−1}, X_j)``.

    That fixes ``Kb = c`` (so ``b = K⁺c``, ``bᵀKb = m``) and ``Var X̂_j = σ_j²`` (so
    ``γ = √(σ_j² − m)``), giving ``D_j = 2(σ_j² − m) − 2√((q − m)(σ_j² − m))``.
    """
    return Decoder(step.regression(), math.sqrt(max(step.sigma2 - step.explained, 0.0)))


def jd_continuation(step: Step) -> Decoder:
    """Joint-distribution PLF: the continuation that adds no perception loss to the past.

    Let ``X̌^{j−1} = T X̂^{j−1}`` be the optimal transport of the past reconstructions onto the
    source law ``N(0, Cov X^{j−1})``, ``T = K^{−½}(K^½ Σ K^½)^½ K^{−½}``. The decoder
    ``X̂_j = ρ_{j−1} X̌_{j−1} + √v_{j−1} E_j`` makes ``(X̂^{j−1}, X̂_j)`` a copy of the optimally
    coupled ``(X̂^{j−1}, X_j)``, so ``W2²(X^j, X̂^j) = W2²(X^{j−1}, X̂^{j−1})`` — the least any
    step-``j`` decoder can reach, since W2 cannot shrink when coordinates are added. When the
    past is perfect (``K = Cov X^{j−1}``, ``T = I``) this is the jd decoder at ``P = 0``:
    ``X̂_j = ρ_{j−1} X̂_{j−1} + √v_{j−1} E_j``, ``D_j = 2σ_j² − 2(ρ_{j−1}² a_{j−1} + √v_{j−1} r)``.
    """
    if step.frame == 1:
        return Decoder(np.zeros(0), math.sqrt(step.sigma2))
    past_source = step.source_cov[:-1, :-1]
    k_sqrt = psd_sqrt(step.past_cov)
    k_inv_sqrt = np.linalg.pinv(k_sqrt, rcond=_RCOND, hermitian=True)
    transport = k_inv_sqrt @ psd_sqrt(k_sqrt @ past_source @ k_sqrt) @ k_inv_sqrt
    rho = step.source_cov[-1, -2] / step.source_cov[-2, -2]
    b = rho * transport[:, -1]
    return Decoder(b, math.sqrt(max(step.sigma2 - b @ step.past_cov @ b, 0.0)))
