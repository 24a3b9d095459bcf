"""The step problem without a closed form: jd and sa at a finite, positive budget.

In innovation coordinates (:mod:`seqrdp.theory.state`, :mod:`seqrdp.theory.plf`) frame ``j``
asks for the decoder ``x`` nearest the MMSE decoder ``w`` with

    W2²(x) = offset + ‖x‖² − 2‖M0 + u xᵀ‖_* ≤ P.

**One variable.** Since ``‖M‖_* = max_Q tr(QᵀM)`` over orthogonal ``Q``, the Lagrangian
``‖x − w‖² + λ W2²(x)`` is, for fixed ``Q``, a quadratic in ``x`` minimised at
``x = t w + (1 − t) Qᵀu`` with ``t = 1/(1 + λ)``; the best ``Q`` is then the polar factor of
``N(t) = M0 + t u wᵀ`` (orthogonal Procrustes). So the minimisers are the curve

    x(t) = t w + (1 − t) a(t),   a(t) = Q(t)ᵀu,
    W2²(x(t)) = offset + ‖x(t)‖² − 2(‖N(t)‖_* + (1 − t)‖u‖²),

from the least perception (``t = 0``: ``a(0) = Q(0)ᵀu``, the continuation that keeps the past's
loss) to the MMSE decoder (``t = 1``). The problem is convex in ``(Cov(X̂^{j−1}, X̂_j), Var X̂_j)``
and strictly feasible, so there is no duality gap: the optimum is the ``x(t)`` whose loss is
``P``, a root in ``t`` (Brent's method). Where ``N(t)`` is singular (a frame at rate 0), ``Q``
pairs the unmatched part of ``u`` with ``E_j``, i.e. frame ``j``'s fresh decoder noise.

**Cost.** ``N(t)ᵀN(t) = Z0 + z zᵀ/‖u‖²`` with ``z = M0ᵀu + t‖u‖² w`` and
``Z0 = M0ᵀ(I − ûûᵀ)M0``, fixed for the frame. One SVD of ``(I − ûûᵀ)M0`` per frame (O(j³)) puts
``Z0`` in diagonal form; then every ``t`` is a positive rank-one update of a diagonal,
solved by its secular equation in O(j²) (:mod:`seqrdp.theory.secular`).
"""

from __future__ import annotations

import numpy as np

from seqrdp.theory.secular import RankOneUpdate


class StepProblem:
    """Frame ``j``'s step problem: the decoder nearest ``w`` with ``W2²(x) ≤ P``.

    ``W2²(x) = offset + ‖x‖² − 2‖M0 + u xᵀ‖_*``.

    Parameters
    ----------
    cross : numpy.ndarray
        ``M0`` (``j×j``; last column zero: no past reconstruction uses ``E_j``).
    row : numpy.ndarray
        ``u`` (length ``j``, ``u ≠ 0``).
    offset : float
        ``‖F‖² + ‖L's past rows‖²`` (:mod:`seqrdp.theory.plf`).
    target : numpy.ndarray
        ``w``, the MMSE decoder (length ``j``).
    """

    def __init__(
        self, cross: np.ndarray, row: np.ndarray, offset: float, target: np.ndarray
    ) -> None:
        self.cross = cross
        self.row = row
        self.offset = offset
        self.target = target
        self.row_norm2 = float(row @ row)
        pull = cross.T @ row  # M0ᵀu
        deflated = cross - np.outer(row, pull / self.row_norm2)  # (I − ûûᵀ)M0
        _, self.poles, vt = np.linalg.svd(deflated)
        self.basis = vt.T  # eigenvectors of Z0 = basis diag(poles²) basisᵀ
        self.pull = vt @ pull
        self._omega = vt @ target
        self._ends: tuple[float, float] | None = None

    def _update(self, decoder: np.ndarray) -> tuple[RankOneUpdate, np.ndarray]:
        """``MᵀM`` for ``M = M0 + u xᵀ`` as a rank-one update of ``Z0``, and ``Mᵀu`` (both in
        the eigenbasis of ``Z0``). The update's ``σ`` are the singular values of ``M``."""
        z = self.pull + self.row_norm2 * (self.basis.T @ decoder)
        return RankOneUpdate(self.poles, z, 1.0 / self.row_norm2), z

    def _transported(self, decoder: np.ndarray, update: RankOneUpdate, z: np.ndarray) -> np.ndarray:
        """``Q(x)ᵀu`` (innovation coordinates; norm ``‖u‖``), ``Q(x)`` the polar factor of ``M``.

        ``Q(x)ᵀu = (MᵀM)^{−½}Mᵀu``. Where ``M`` is singular (a frame at rate 0), ``Q`` sends the
        part of ``u`` outside the range of ``M``, ``u − M(MᵀM)⁺Mᵀu``, to ``E_j``.
        """
        coefficients = update.divide(update.project(z))  # Uᵀu, U the left singular vectors
        transported = self.basis @ update.combine(coefficients)
        if update.kernel:
            outside = self.row_norm2 - coefficients @ coefficients  # ‖u − UUᵀu‖²
            if outside > 1e-6 * self.row_norm2:
                transported[-1] += np.sqrt(outside)
            else:  # small: the difference of squares has lost its digits; take the residual
                projector = self.basis @ update.combine(update.divide(coefficients))
                residual = self.row - self.cross @ projector - self.row * (decoder @ projector)
                transported[-1] += float(np.linalg.norm(residual))
        return transported

    def loss(self, decoder: np.ndarray) -> float:
        """``W2²`` of the decoder ``X̂_j = x · E`` (squared W2, ≥ 0)."""
        update, _ = self._update(decoder)
        return max(self.offset + decoder @ decoder - 2.0 * float(update.sigma.sum()), 0.0)

    def least(self) -> tuple[np.ndarray, float]:
        """The least-perception decoder ``a(0) = Q(0)ᵀu`` and its loss.

        For jd it continues the past optimally (``X̂_j = ρ X̌_{j−1} + √v E_j``, ``X̌`` the
        transport of the past onto the source law) and its loss is the past's; for sa it is
        the perfect-realism decoder (loss 0).
        """
        still = np.zeros(len(self.row))
        update, z = self._update(still)
        start = self._transported(still, update, z)
        # ‖M0 + u a(0)ᵀ‖_* = ‖M0‖_* + ‖u‖², as Q(0)ᵀ(M0 + u a(0)ᵀ) = Q(0)ᵀM0 + a(0)a(0)ᵀ ⪰ 0.
        loss = self.offset - self.row_norm2 - 2.0 * float(update.sigma.sum())
        return start, max(loss, 0.0)

    def curve(self, t: float) -> tuple[np.ndarray, float, float]:
        """``x(t)``, ``W2²(x(t))`` and ``d W2²(x(t))/dt`` (module docstring).

        With ``ν(t) = ‖N(t)‖_*``, ``ν' = w·a`` and
        ``ν'' = Σ_{i<k} (α_i β_k − α_k β_i)²/(σ_i + σ_k)`` (``α = Uᵀu``, ``β = Vᵀw``, ``N = USVᵀ``),
        ``d W2²/dt = 2t‖w − a‖² + 2t(1 − t)ν''``.
        """
        omega, target = self._omega, self.target
        update, z = self._update(t * target)
        transported = self._transported(t * target, update, z)
        decoder = t * target + (1.0 - t) * transported
        nuclear = float(update.sigma.sum())
        loss = self.offset + decoder @ decoder - 2.0 * (nuclear + (1.0 - t) * self.row_norm2)
        alpha = update.divide(update.project(z))
        beta = update.project(omega)
        cross = np.outer(alpha, beta)
        wedge = cross - cross.T
        pair = np.add.outer(update.sigma, update.sigma)
        curvature = 0.5 * float(
            np.sum(np.divide(wedge**2, pair, out=np.zeros_like(pair), where=pair > update.tol))
        )
        gap = target - transported
        slope = 2.0 * t * float(gap @ gap) + 2.0 * t * (1.0 - t) * curvature
        return decoder, max(loss, 0.0), slope

    def target_loss(self) -> float:
        """``W2²`` of the MMSE decoder ``x = w`` (``t = 1``)."""
        _, loss, slope = self.curve(1.0)
        self._ends = (loss, slope)
        return loss

    def constrained(self, budget: float, least_loss: float) -> np.ndarray:
        """The decoder nearest ``w`` with ``W2² = budget``, where ``least_loss < budget`` and
        :meth:`target_loss` ``> budget``.

        Newton's method in ``t`` on the exact slope, kept inside the bracket (bisection where a
        step would leave it), from the cubic through the ends: the loss and its slope are
        known at ``t = 1``, and its slope is 0 at ``t = 0``.
        """
        if self._ends is None:
            self.target_loss()
        target_loss, target_slope = self._ends
        low, high = 0.0, 1.0
        t = _hermite_root(least_loss, target_loss, target_slope, budget)
        tolerance = 1e-13 * (1.0 + budget)
        decoder = self.target
        for _ in range(100):
            decoder, loss, slope = self.curve(t)
            excess = loss - budget
            if abs(excess) <= tolerance:
                break
            if excess > 0.0:
                high = t
            else:
                low = t
            step = t - excess / slope if slope > 0.0 else -1.0
            t = step if low < step < high else 0.5 * (low + high)
            if high - low <= 4 * np.finfo(float).eps:
                break
        return decoder


def _hermite_root(start: float, end: float, end_slope: float, level: float) -> float:
    """``t ∈ (0, 1)`` where the cubic with ``f(0) = start``, ``f'(0) = 0``, ``f(1) = end``,
    ``f'(1) = end_slope`` reaches ``level`` (bisection; the cubic is cheap)."""
    rise = end - start
    a, b = 3.0 * rise - end_slope, end_slope - 2.0 * rise  # f(t) = start + a t² + b t³
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (low + high)
        if start + mid * mid * (a + b * mid) < level:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)
