"""Closed-form step decoders, and the closed-form recursions they give at ``P ∈ {0, ∞}``.

Each decoder solves frame ``j``'s step problem (:mod:`seqrdp.theory.state`): the point of the
PLF's feasible set nearest the MMSE decoder ``x = w_j``, with
``D_j = (σ_j² − q_j) + ‖x − w_j‖²``. Derivations: ``docs/theory.md``.

- **mse** (or ``P = ∞``): ``x = w_j``, ``D_j = σ_j² − q_j``.
- **fmd**, any ``P`` (and every PLF at frame 1): ``W2² = (σ_j − s)²`` with ``s = std X̂_j``; at
  fixed ``s`` the correlation with ``X_j`` is at most ``s√q`` (Cauchy–Schwarz, attained by a
  multiple of ``X̃_j``), so ``x = (s/√q) w_j`` with ``s = max(√q, σ_j − √P)`` and
  ``D_j = (σ_j² − q_j) + (s − √q_j)²``. With ``q = 0``, fresh noise of variance ``s²``.
- **sa, P = 0**: ``(X̂^{j−1}, X̂_j) ~ (X̂^{j−1}, X_j)`` forces ``x = (w', τ_j)`` with
  ``τ_j = √(σ_j² − m_j)``, ``m_j = ‖w'‖² = ρ_{j−1}² q_{j−1}``:
  ``D_j = (σ_j² − q_j) + (τ_j − r_j)²``.
- **jd, P = 0** (the past perfect): ``X̂^j ~ X^j`` forces ``x = c_j`` (the reconstructions
  are a copy of the source driven by ``E``): ``X̂_j = ρ_{j−1} X̂_{j−1} + √v_{j−1} E_j`` and
  ``D_j = (σ_j² − q_j) + e_j``, ``e_j = ‖c_j − w_j‖² = ρ_{j−1}² e_{j−1} + (√v_{j−1} − r_j)²``.

At ``P ∈ {0, ∞}`` (fmd: any ``P``) the distortions therefore follow scalar recursions, O(1) per
frame (:func:`closed_form_distortion`); jd at ``P = 0`` needs a perfect past, i.e. ``P = 0``
at every earlier frame.
"""

from __future__ import annotations

import math

import numpy as np

from seqrdp.plfs import FMD, JD, MMSE_HEAD, SA
from seqrdp.theory.mmse import (
    mmse_estimate_variance,
    mmse_innovation_variance,
    sequential_mmse_distortion,
)
from seqrdp.theory.source import GaussMarkovSource
from seqrdp.theory.state import Frame


def mse_decoder(frame: Frame) -> np.ndarray:
    """No perception constraint: ``X̂_j = X̃_j`` (``x = w_j``)."""
    return frame.target


def fmd_scale(estimate_var: float, sigma2: float, perception: float) -> float:
    """``s = max(√q, σ − √P)``: the standard deviation of fmd's reconstruction."""
    return max(math.sqrt(estimate_var), math.sqrt(sigma2) - math.sqrt(perception))


def fmd_decoder(frame: Frame, perception: float) -> np.ndarray:
    """Framewise-marginal PLF, any budget ``P``: ``x = (s/√q) w_j``; fresh noise if ``q = 0``."""
    s = fmd_scale(frame.estimate_var, frame.sigma2, perception)
    # ‖w_j‖ by hypot, not √q_j: a tiny ρ makes q_j subnormal (ρ = 1e-160 gives q ≈ 1e-320, with
    # a few significant bits), and the quotient s/√q would then miss the scale by 1e-4.
    length = math.hypot(*frame.target)
    if frame.estimate_var <= 0.0 or length == 0.0:
        decoder = np.zeros(frame.index)
        decoder[-1] = s
        return decoder
    return (s / length) * frame.target


def has_closed_form(plf: str, budgets: np.ndarray) -> bool:
    """Whether every frame's step is closed-form (module docstring): the recursion applies."""
    later = budgets[1:]
    if plf in (MMSE_HEAD, FMD):
        return True
    if plf == SA:
        return bool(np.all((later == 0.0) | np.isinf(later)))
    if plf == JD:
        # P_j = 0 needs a perfect past: zeros first, then only ∞.
        perfect = np.cumprod(budgets == 0.0).astype(bool)[:-1]
        return bool(np.all(np.isinf(later) | ((later == 0.0) & perfect)))
    raise ValueError(f"unknown PLF {plf!r}")


def closed_form_distortion(
    source: GaussMarkovSource, rates: np.ndarray, budgets: np.ndarray, plf: str
) -> np.ndarray:
    """``D_1 … D_T`` by the closed-form recursions, O(1) per frame (needs :func:`has_closed_form`).

    Parameters
    ----------
    source : GaussMarkovSource
    rates : numpy.ndarray
        ``R_1 … R_T``, bits/sample (checked).
    budgets : numpy.ndarray
        ``P_1 … P_T``, squared W2 (checked).
    plf : str
        Perception loss function, one of :data:`seqrdp.plfs.HEADS` (the MMSE head: none).

    Returns
    -------
    numpy.ndarray
        MSE per sample for each frame.
    """
    q = mmse_estimate_variance(source, rates)
    r = np.sqrt(mmse_innovation_variance(source, rates))
    sigma2 = np.asarray(source.sigma2, dtype=float)
    distortion = sequential_mmse_distortion(source, rates)  # σ² − q; the loop adds ‖x − w_j‖²
    spread = 0.0  # jd: e_j = ‖c_j − w_j‖²
    for j, budget in enumerate(budgets):
        if plf == MMSE_HEAD or math.isinf(budget):
            continue
        if plf == FMD or j == 0:
            gap = (fmd_scale(q[j], sigma2[j], budget) - math.sqrt(q[j])) ** 2
            spread = gap
        elif plf == SA:
            explained = source.rho[j - 1] ** 2 * q[j - 1]
            gap = (math.sqrt(max(sigma2[j] - explained, 0.0)) - r[j]) ** 2
        else:  # jd, past perfect
            spread = (
                source.rho[j - 1] ** 2 * spread
                + (math.sqrt(source.innovation_var[j - 1]) - r[j]) ** 2
            )
            gap = spread
        distortion[j] += gap
    return distortion
