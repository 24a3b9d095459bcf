"""Bookkeeping of the sequential decoder: what frame ``j`` inherits from frames ``1 … j−1``.

**Innovation coordinates.** Let ``E_j`` be the unit innovation of ``X̃_j = E[X_j | U^j]`` given
``U^{j−1}`` (fresh decoder noise where frame ``j``'s representation adds nothing). Because
``X̃_j = ρ_{j−1} X̃_{j−1} + Δ_j`` with ``Δ_j`` independent of ``U^{j−1}`` and of the decoder's
randomness, ``E_1, E_2, …`` are orthonormal and

    X̃_j = w_j · E,   w_j = (ρ_{j−1} w_{j−1}, r_j),   r_j² = q_j − ρ_{j−1}² q_{j−1}

(:func:`~seqrdp.theory.mmse.mmse_innovation_variance`). Every decoder of the step problem is
``X̂_j = x · E`` for a vector ``x`` of length ``j`` (decoder noise independent of everything is
never better; ``docs/theory.md``), so the reconstructions are the rows of a lower-triangular
``L`` (``X̂^j = L E``) and

    D_j = (σ_j² − q_j) + ‖x − w_j‖²,

the MMSE distortion plus the squared distance to the MMSE decoder ``x = w_j``. The source is
``X^j = C N`` with ``N`` its unit innovations and ``C`` lower-triangular, row ``j`` being
``c_j = (ρ_{j−1} c_{j−1}, √v_{j−1})``. Every PLF's perception is a function of the second
moments ``G = LᵀL`` and ``CᵀL`` (:mod:`seqrdp.theory.plf`), which grow by one row and column a
frame: O(j²) per frame.

**Paper coordinates.** :class:`Step` and :class:`Decoder` state the same step problem as the
paper does, ``X̂_j = bᵀX̂^{j−1} + γ E_j`` with ``K = Cov(X̂^{j−1})`` and
``c_i = E[X_j X̂_i] = (ρ_i ⋯ ρ_{j−1}) a_i``, ``a_i = E[X_i X̂_i]``:

    D_j = σ_j² − 2(bᵀc + γ r) + bᵀKb + γ²,   Var X̂_j = bᵀKb + γ²,   Cov(X̂^{j−1}, X̂_j) = Kb,

with ``q = Var X̃_j``, ``m = cᵀK⁺c`` and ``r = √(q − m)``. In innovation coordinates
``K = LLᵀ``, ``c = L w'`` (``w'``: ``w_j`` without its last entry), ``Lᵀb = x'`` and
``γ = x_j``. See ``docs/theory.md`` for the derivation.
"""

from __future__ import annotations

import math
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
    """Data of the step-``j`` problem in the paper's coordinates.

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
class Frame:
    """Frame ``j``'s data in innovation coordinates.

    Attributes
    ----------
    index : int
        ``j`` (1-based).
    sigma2 : float
        ``σ_j²``.
    estimate_var : float
        ``q_j = Var X̃_j``.
    mmse_distortion : float
        ``σ_j² − q_j = Var(X_j | U^j)``, the MMSE coder's ``D_j`` (computed without the
        difference).
    target : numpy.ndarray
        ``w_j``: ``X̃_j = w_j · E`` (length ``j``; ``‖w_j‖² = q_j``, last entry ``r_j``).
    source_row : numpy.ndarray
        ``c_j``: ``X_j = c_j · N`` (length ``j``; ``‖c_j‖² = σ_j²``).
    """

    index: int
    sigma2: float
    estimate_var: float
    mmse_distortion: float
    target: np.ndarray
    source_row: np.ndarray

    def distortion(self, decoder: np.ndarray) -> float:
        """``D_j = (σ_j² − q_j) + ‖x − w_j‖²`` for the decoder ``X̂_j = x · E``."""
        gap = decoder - self.target
        return float(self.mmse_distortion + gap @ gap)


@dataclass(frozen=True)
class InnovationState:
    """Second moments of the reconstructions ``X̂_1 … X̂_n`` already output (``n = j − 1``).

    Attributes
    ----------
    source : GaussMarkovSource
    target : numpy.ndarray
        ``w_n`` (length ``n``).
    source_row : numpy.ndarray
        ``c_n`` (length ``n``).
    gram : numpy.ndarray
        ``G = LᵀL`` (``n×n``; ``tr G = tr K``).
    source_cross : numpy.ndarray
        ``CᵀL`` (``n×n``).
    rows : numpy.ndarray or None
        ``L`` itself, kept only for :meth:`paper_step` (``n×n``).
    """

    source: GaussMarkovSource
    target: np.ndarray
    source_row: np.ndarray
    gram: np.ndarray
    source_cross: np.ndarray
    rows: np.ndarray | None

    @classmethod
    def start(cls, source: GaussMarkovSource, keep_rows: bool = False) -> InnovationState:
        """Before the first frame: nothing reconstructed yet."""
        empty = np.zeros((0, 0))
        return cls(source, np.zeros(0), np.zeros(0), empty, empty, empty if keep_rows else None)

    @property
    def frame(self) -> int:
        """The frame ``j`` to reconstruct next (1-based)."""
        return len(self.target) + 1

    def next_frame(
        self, estimate_var: float, innovation_var: float, mmse_distortion: float
    ) -> Frame:
        """Frame ``j``'s data when the encoder gives ``q_j``, ``r_j²`` and ``σ_j² − q_j``."""
        j, source = self.frame, self.source
        rho = source.rho[j - 2] if j > 1 else 0.0
        fresh = math.sqrt(source.innovation_var[j - 2] if j > 1 else source.sigma2_1)
        return Frame(
            index=j,
            sigma2=float(source.sigma2[j - 1]),
            estimate_var=float(estimate_var),
            mmse_distortion=float(mmse_distortion),
            target=np.append(rho * self.target, math.sqrt(max(innovation_var, 0.0))),
            source_row=np.append(rho * self.source_row, fresh),
        )

    def advance(self, frame: Frame, decoder: np.ndarray) -> InnovationState:
        """The state after frame ``j`` is reconstructed as ``X̂_j = x · E`` (``x = decoder``)."""
        rows = None
        if self.rows is not None:
            rows = bordered(self.rows)
            rows[-1] = decoder
        return InnovationState(
            self.source,
            frame.target,
            frame.source_row,
            bordered(self.gram) + np.outer(decoder, decoder),
            bordered(self.source_cross) + np.outer(frame.source_row, decoder),
            rows,
        )

    def paper_step(self, frame: Frame) -> Step:
        """Frame ``j``'s step problem in the paper's coordinates (needs ``rows``)."""
        if self.rows is None:
            raise ValueError("paper_step needs a state started with keep_rows=True")
        past = frame.target[:-1]
        return Step(
            frame=frame.index,
            sigma2=frame.sigma2,
            past_cov=self.rows @ self.rows.T,
            cross=self.rows @ past,
            estimate_var=frame.estimate_var,
            # m = cᵀK⁺c = ‖w'‖²: w' lies in the row space of L (coordinates no reconstruction
            # uses carry no part of any X̃).
            explained=float(past @ past),
            residual=float(frame.target[-1]),
            source_cov=self.source.covariance(frame.index),
        )

    def paper_decoder(self, decoder: np.ndarray) -> Decoder:
        """``(b, γ)`` with ``Lᵀb = x'`` and ``γ = x_j`` for ``X̂_j = x · E`` (needs ``rows``)."""
        if self.rows is None:
            raise ValueError("paper_decoder needs a state started with keep_rows=True")
        b = np.linalg.lstsq(self.rows.T, decoder[:-1], rcond=None)[0]
        return Decoder(b, float(decoder[-1]))


def bordered(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` with a zero row and column appended (the next frame's coordinate)."""
    n = len(matrix)
    out = np.zeros((n + 1, n + 1))
    out[:n, :n] = matrix
    return out
