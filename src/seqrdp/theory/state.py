"""Bookkeeping of the sequential decoder: what frame ``j`` inherits from frames ``1 … j−1``.

Every quantity the step-``j`` problem needs is a second moment:

- ``K = Cov(X̂_1 … X̂_{j−1})`` and ``a_i = E[X_i X̂_i]`` (the reconstruction state);
- ``c_i = E[X_j X̂_i] = (ρ_i ⋯ ρ_{j−1}) a_i``, fixed by the past because the innovations
  ``N_i … N_{j−1}`` are independent of ``X̂_i``;
- ``q = Var X̃_j`` with ``X̃_j = E[X_j | U^j]`` (the encoder's contribution),
  ``m = cᵀK⁺c`` (the part of ``X̃_j`` already in the span of the past reconstructions) and
  ``r = √(q − m)``.

Any jointly Gaussian decoder can be written, without loss of optimality,
``X̂_j = bᵀX̂^{j−1} + γ E_j`` with ``E_j`` the unit-variance innovation of ``X̃_j`` with respect
to ``X̂^{j−1}`` (or fresh decoder noise when ``r = 0``), so that

    D_j = σ_j² − 2(bᵀc + γ r) + bᵀKb + γ²,   Var X̂_j = bᵀKb + γ²,   Cov(X̂^{j−1}, X̂_j) = Kb.

See ``docs/theory.md`` for the derivation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from seqrdp.theory.source import GaussMarkovSource

# Relative eigenvalue cut-off of the pseudo-inverse K⁺ (K is singular when a past frame copied
# earlier reconstructions exactly, e.g. at rate 0 without a perception constraint).
_RCOND = 1e-12


class Decoder(NamedTuple):
    """Step-``j`` decoder ``X̂_j = bᵀX̂^{j−1} + γ E_j`` (``γ ≥ 0``)."""

    b: np.ndarray
    gamma: float


@dataclass(frozen=True)
class Step:
    """Data of the step-``j`` problem.

    Attributes
    ----------
    frame : int
        ``j`` (1-based).
    sigma2 : float
        ``σ_j²``.
    past_cov : numpy.ndarray
        ``K = Cov(X̂^{j−1})``, ``(j−1)×(j−1)``.
    cross : numpy.ndarray
        ``c = E[X_j X̂^{j−1}]``.
    estimate_var : float
        ``q = Var E[X_j | U^j]``.
    explained : float
        ``m = cᵀK⁺c``.
    residual : float
        ``r = √(q − m)``.
    source_cov : numpy.ndarray
        ``Cov(X_1 … X_j)``.
    """

    frame: int
    sigma2: float
    past_cov: np.ndarray
    cross: np.ndarray
    estimate_var: float
    explained: float
    residual: float
    source_cov: np.ndarray

    def regression(self) -> np.ndarray:
        """``K⁺c``: coefficients of the projection of ``X_j`` onto the past reconstructions."""
        if self.frame == 1:
            return np.zeros(0)
        return np.linalg.pinv(self.past_cov, rcond=_RCOND, hermitian=True) @ self.cross

    def distortion(self, decoder: Decoder) -> float:
        """``D_j = σ_j² − 2(bᵀc + γr) + bᵀKb + γ²`` (MSE per sample)."""
        b, gamma = decoder
        return float(
            self.sigma2
            - 2.0 * (b @ self.cross + gamma * self.residual)
            + b @ self.past_cov @ b
            + gamma**2
        )

    def reconstruction_cov(self, decoder: Decoder) -> np.ndarray:
        """``Cov(X̂_1 … X̂_j)`` = ``[[K, Kb], [bᵀK, bᵀKb + γ²]]``."""
        b, gamma = decoder
        kb = self.past_cov @ b
        j = self.frame
        cov = np.empty((j, j))
        cov[:-1, :-1] = self.past_cov
        cov[:-1, -1] = cov[-1, :-1] = kb
        cov[-1, -1] = b @ kb + gamma**2
        return cov


@dataclass(frozen=True)
class ReconstructionState:
    """Second moments of the reconstructions ``X̂_1 … X̂_{j−1}`` already output.

    Attributes
    ----------
    source : GaussMarkovSource
    cov : numpy.ndarray
        ``K = Cov(X̂^{j−1})``.
    correlation : numpy.ndarray
        ``a_i = E[X_i X̂_i]``, ``i < j``.
    """

    source: GaussMarkovSource
    cov: np.ndarray
    correlation: np.ndarray

    @classmethod
    def start(cls, source: GaussMarkovSource) -> ReconstructionState:
        """Before the first frame: nothing reconstructed yet."""
        return cls(source, np.zeros((0, 0)), np.zeros(0))

    @property
    def frame(self) -> int:
        """The frame ``j`` to reconstruct next (1-based)."""
        return len(self.correlation) + 1

    def step(self, estimate_var: float) -> Step:
        """The step problem for the next frame when the encoder gives ``q = estimate_var``."""
        j, source = self.frame, self.source
        cross = np.array([source.gain(i, j) * a for i, a in enumerate(self.correlation, start=1)])
        if j == 1:
            explained = 0.0
        else:
            inverse = np.linalg.pinv(self.cov, rcond=_RCOND, hermitian=True)
            explained = float(cross @ inverse @ cross)
        return Step(
            frame=j,
            sigma2=float(source.sigma2[j - 1]),
            past_cov=self.cov,
            cross=cross,
            estimate_var=float(estimate_var),
            explained=explained,
            # q ≥ m holds exactly (span(X̂^{j−1}) lies in the decoder's information); clip rounding.
            residual=float(np.sqrt(max(estimate_var - explained, 0.0))),
            source_cov=source.covariance(j),
        )

    def advance(self, step: Step, decoder: Decoder) -> ReconstructionState:
        """The state after frame ``j`` is reconstructed by ``decoder``:
        ``K ← Cov(X̂^j)``, ``a_j = bᵀc + γr``."""
        b, gamma = decoder
        correlation = float(b @ step.cross + gamma * step.residual)
        return ReconstructionState(
            self.source, step.reconstruction_cov(decoder), np.append(self.correlation, correlation)
        )
