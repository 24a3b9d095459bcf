"""Independent numeric solver over jointly Gaussian test channels: the calculator's cross-check.

This module does not use the reduction of :mod:`seqrdp.theory.state` (no ``q``, ``m``, ``r``,
no closed forms). It optimises the test channels themselves:

- encoder ``U_j = A_j X^j + Z_j`` with ``A_j`` a ``k×j`` matrix and ``Z_j ~ N(0, I_k)`` fresh
  (``k = 2`` allows more than a scalar innovation channel; feeding back ``U^{j−1}`` adds nothing,
  as the decoder can subtract it);
- decoder ``X̂_j = B_j U^j + C_j W`` with ``W ~ N(0, I_T)`` shared by all frames (frame ``j``
  may use ``W_1 … W_j``).

Every variable is a row of coefficients over the independent standard normals
``(source innovations, Z_1 … Z_T, W)``, so covariances are inner products of rows. Per frame,
``rate = I(X^j; U_j | U^{j−1}) = ½ log2 det Cov(U_j | U^{j−1})`` bits (the noise has unit
covariance), ``D_j = E(X_j − X̂_j)²`` and the perception is the squared W2 of the PLF's pair of
laws (``P = 0`` is imposed as equality of covariances, a smooth form of ``W2² = 0``). Each
greedy step is optimised by SLSQP from several deterministic random starts; the best feasible
result is kept. ``universal`` mode fixes ``A_j`` to the MMSE innovation channel at rate ``R_j``.

It is slow (up to seconds per frame); use it for ``T ≤ 3``. Positive rates below about 0.01
bits/sample are hard for it: the optimum is flat in the decoder there while the distortion is
steep in the rate (``D(R, 0) ≈ 2σ² − 2σ√(2R ln 2)``), so SLSQP stops short.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import NonlinearConstraint, minimize

from seqrdp.plfs import FMD, HEADS, JD, MMSE_HEAD
from seqrdp.theory.inputs import MODES, check_choices, check_perception, check_rates
from seqrdp.theory.source import GaussMarkovSource
from seqrdp.theory.wasserstein import GaussianW2, gaussian_w2_squared

# Constraint violation accepted as feasible (rate in bits, covariances and W2² in variance units).
FEASIBILITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SolverResult:
    """Per-frame outcome of the test-channel solver (``nan`` where nothing feasible was found).

    Attributes
    ----------
    distortion : numpy.ndarray
        ``D_j``, MSE per sample.
    rate_bits : numpy.ndarray
        ``I(X^j; U_j | U^{j−1})`` of the chosen channel, bits/sample.
    perception : numpy.ndarray
        Squared W2 of the PLF's pair of laws (``0`` for mse).
    """

    distortion: np.ndarray
    rate_bits: np.ndarray
    perception: np.ndarray


class _Rows:
    """Coefficient rows of ``X``, ``U`` and ``X̂`` over the independent standard normals."""

    def __init__(self, source: GaussMarkovSource, rows: int) -> None:
        t = source.frames
        self.rows = rows
        self.frames = t
        self.dim = t + rows * t + t
        self.x = np.zeros((t, self.dim))
        self.x[:, :t] = np.linalg.cholesky(source.covariance())
        self.w = np.zeros((t, self.dim))
        self.w[:, t + rows * t :] = np.eye(t)
        self.u = np.zeros((0, self.dim))
        self.xhat = np.zeros((0, self.dim))

    def noise(self, j: int) -> np.ndarray:
        """Rows of ``Z_j`` (frames 1-based)."""
        z = np.zeros((self.rows, self.dim))
        start = self.frames + self.rows * (j - 1)
        z[:, start : start + self.rows] = np.eye(self.rows)
        return z

    def innovation_projector(self) -> np.ndarray:
        """Orthogonal projector onto the complement of ``span(U^{j−1})``.

        ``Cov(V | U^{j−1}) = V Π Vᵀ`` for rows ``V`` (Gaussian conditioning is projection).
        """
        if len(self.u) == 0:
            return np.eye(self.dim)
        basis, _ = np.linalg.qr(self.u.T)
        return np.eye(self.dim) - basis @ basis.T


def _reference_and_compared(
    plf: str, x: np.ndarray, xhat_past: np.ndarray, xhat_j: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the PLF's reference variables and of the compared reconstructions."""
    if plf == FMD:
        return x[-1:], xhat_j[None]
    compared = np.vstack([xhat_past, xhat_j])
    if plf == JD:
        return x, compared
    return np.vstack([xhat_past, x[-1:]]), compared  # sa


class _Frame:
    """The greedy step-``j`` problem over ``θ = (A_j, B_j, C_j)``, with exact gradients.

    ``U_j = A_j X^j + Z_j``; ``X̂_j = B_j U^j + C_j W^j``. All quantities are functions of the
    row ``x̂`` of ``X̂_j`` (and of ``U_j`` for the rate), so gradients follow from the chain rule
    through ``J = ∂x̂/∂θ``.
    """

    def __init__(self, state: _Rows, j: int, plf: str, fixed_a: np.ndarray | None) -> None:
        self.plf = plf
        self.k = state.rows
        self.j = j
        self.x = state.x[:j]
        self.z = state.noise(j)
        self.past_u = state.u
        self.past_xhat = state.xhat
        self.w = state.w[:j]
        self.projector = state.innovation_projector()
        self.fixed_a = fixed_a
        self.n_a = 0 if fixed_a is not None else self.k * j
        self.n_u = len(self.past_u) + self.k
        self.size = self.n_a + self.n_u + j
        reference, _ = _reference_and_compared(plf, self.x, self.past_xhat, self.x[-1])
        self.reference = reference if plf != MMSE_HEAD else None

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(A_j, rows of U_j, row of X̂_j)``."""
        a = self.fixed_a if self.fixed_a is not None else theta[: self.n_a].reshape(self.k, self.j)
        u_j = a @ self.x + self.z
        beta = theta[self.n_a : self.n_a + self.n_u]
        xhat = beta @ np.vstack([self.past_u, u_j]) + theta[self.n_a + self.n_u :] @ self.w
        return a, u_j, xhat

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """``J = ∂x̂/∂θ`` (``dim × size``)."""
        _, u_j, _ = self.unpack(theta)
        columns = []
        if self.n_a:
            beta_new = theta[self.n_a + self.n_u - self.k : self.n_a + self.n_u]
            columns.append(np.einsum("p,qd->dpq", beta_new, self.x).reshape(-1, self.n_a))
        columns += [self.past_u.T, u_j.T, self.w.T]
        return np.hstack(columns)

    def distortion(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """``D_j = ‖x_j − x̂‖²`` and its gradient."""
        _, _, xhat = self.unpack(theta)
        error = self.x[-1] - xhat
        return float(error @ error), -2.0 * error @ self.jacobian(theta)

    def rate_bits(self, theta: np.ndarray) -> float:
        """``I(X^j; U_j | U^{j−1}) = ½ log2 det Cov(U_j | U^{j−1})``."""
        _, u_j, _ = self.unpack(theta)
        _, logdet = np.linalg.slogdet(u_j @ self.projector @ u_j.T)
        return 0.5 * logdet / math.log(2.0)

    def rate_gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∂ rate/∂A_j = C⁻¹ U_j Π (X^j)ᵀ / ln 2`` with ``C = Cov(U_j | U^{j−1})``."""
        _, u_j, _ = self.unpack(theta)
        projected = u_j @ self.projector
        grad_a = np.linalg.solve(projected @ u_j.T, projected @ self.x.T) / math.log(2.0)
        return np.concatenate([grad_a.ravel(), np.zeros(self.size - self.n_a)])

    def compared(self, theta: np.ndarray) -> np.ndarray:
        _, _, xhat = self.unpack(theta)
        return _reference_and_compared(self.plf, self.x, self.past_xhat, xhat)[1]

    def perception(self, theta: np.ndarray) -> float:
        """Squared W2 between the PLF's two laws (``0`` for mse)."""
        if self.reference is None:
            return 0.0
        compared = self.compared(theta)
        return gaussian_w2_squared(self.reference @ self.reference.T, compared @ compared.T)

    def perception_gradient(self, theta: np.ndarray) -> np.ndarray:
        """Through ``G = ∂W2²/∂B``: ``∂W2²/∂x̂ = 2 Σ_i G[i, −1] (row i of the compared)``."""
        compared = self.compared(theta)
        w2 = GaussianW2(self.reference @ self.reference.T)
        _, g = w2.value_and_gradient(compared @ compared.T)
        return 2.0 * (g[:, -1] @ compared) @ self.jacobian(theta)

    def law_gap(self, theta: np.ndarray) -> np.ndarray:
        """At ``P = 0``: new covariances of the compared minus those of the reference (→ 0)."""
        compared = self.compared(theta)
        return compared @ compared[-1] - self.reference @ self.reference[-1]

    def law_gap_jacobian(self, theta: np.ndarray) -> np.ndarray:
        compared = self.compared(theta)
        d_xhat = compared.copy()
        d_xhat[-1] *= 2.0  # the last entry is ‖x̂‖²
        return d_xhat @ self.jacobian(theta)


def solve_test_channels(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float] = 0.0,
    plf: str = MMSE_HEAD,
    mode: str = "optimal",
    *,
    rows: int = 2,
    restarts: int = 4,
    seed: int = 0,
) -> SolverResult:
    """Greedy sequential optimum over jointly Gaussian test channels, by direct optimisation.

    Parameters
    ----------
    source, rates, perception, plf, mode
        As in :func:`seqrdp.theory.calculator.distortion_per_frame`.
    rows : int
        ``k``, the dimension of each representation ``U_j`` in ``optimal`` mode.
    restarts : int
        SLSQP starts per frame (deterministic, from ``seed``).
    seed : int
        Seed of the starting points.

    Returns
    -------
    SolverResult
    """
    plf = check_choices(plf, HEADS, "--plf")[0]
    mode = check_choices(mode, MODES, "--mode")[0]
    rates = check_rates(rates, source.frames)
    budgets = check_perception(perception, source.frames)
    state = _Rows(source, rows)
    out = np.full((3, source.frames), np.nan)
    for j in range(1, source.frames + 1):
        found = _solve_frame(state, j, rates[j - 1], budgets[j - 1], plf, mode, restarts, seed)
        if found is None:
            break
        u_j, xhat_j, values = found
        state.u = np.vstack([state.u, u_j])
        state.xhat = np.vstack([state.xhat, xhat_j])
        out[:, j - 1] = values
    return SolverResult(*out)


def _solve_frame(
    state: _Rows,
    j: int,
    rate: float,
    budget: float,
    plf: str,
    mode: str,
    restarts: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float]] | None:
    """Greedy step ``j``: the best feasible ``(U_j, X̂_j)`` rows over the restarts, with
    ``(D_j, rate, perception)``; ``None`` when no start reaches a feasible point."""
    fixed_a = None
    if mode == "universal":
        # MMSE innovation channel: U_j = α X_j + Z_j with ½ log2(1 + α² Var(X_j | U^{j−1})) = R_j.
        x_j = state.x[j - 1]
        prior = float(x_j @ state.innovation_projector() @ x_j)
        fixed_a = np.zeros((state.rows, j))
        fixed_a[0, -1] = math.sqrt(math.expm1(2.0 * rate * math.log(2.0)) / prior)
    elif rate == 0:
        fixed_a = np.zeros((state.rows, j))  # rate 0 admits only A_j = 0
    frame = _Frame(state, j, plf, fixed_a)

    constraints = []
    if frame.n_a:
        constraints.append(
            {
                "type": "ineq",
                "fun": lambda th: rate - frame.rate_bits(th),
                "jac": lambda th: -frame.rate_gradient(th),
            }
        )
    if plf != MMSE_HEAD and budget == 0:
        reference, compared = frame.reference, frame.compared(np.zeros(frame.size))
        past_gap = reference[:-1] @ reference[:-1].T - compared[:-1] @ compared[:-1].T
        if past_gap.size and np.abs(past_gap).max() > FEASIBILITY_TOLERANCE:
            return None  # the laws already differ in frames no decoder can change
        constraints.append({"type": "eq", "fun": frame.law_gap, "jac": frame.law_gap_jacobian})
    elif plf != MMSE_HEAD and math.isfinite(budget):
        constraints.append(
            {
                "type": "ineq",
                "fun": lambda th: budget - frame.perception(th),
                "jac": lambda th: -frame.perception_gradient(th),
            }
        )

    def feasible(theta: np.ndarray) -> bool:
        for c in constraints:
            value = np.atleast_1d(c["fun"](theta))
            if c["type"] == "eq":
                value = -np.abs(value)
            if value.min() < -FEASIBILITY_TOLERANCE:
                return False
        return True

    def slsqp(theta0: np.ndarray) -> np.ndarray:
        options = {"ftol": 1e-12, "maxiter": 300}
        return minimize(
            frame.distortion, theta0, jac=True, method="SLSQP", constraints=constraints,
            options=options,
        ).x  # fmt: skip

    def interior(theta0: np.ndarray) -> np.ndarray:
        # Fallback when SLSQP's first step lands where Cov X̂ is singular (W2 not smooth there)
        # and its line search fails: a trust-region interior method stays well inside, then
        # SLSQP polishes the result on the boundary.
        nonlinear = [
            NonlinearConstraint(c["fun"], 0.0, 0.0 if c["type"] == "eq" else np.inf, jac=c["jac"])
            for c in constraints
        ]
        options = {"gtol": 1e-10, "xtol": 1e-12, "maxiter": 2000}
        return minimize(
            frame.distortion, theta0, jac=True, method="trust-constr", constraints=nonlinear,
            options=options,
        ).x  # fmt: skip

    rng = np.random.default_rng([seed, j])
    best: tuple[float, np.ndarray] | None = None
    for _ in range(restarts):
        theta0 = rng.normal(size=frame.size)
        if frame.n_a:
            theta0[: frame.n_a] *= math.sqrt(math.expm1(2.0 * rate * math.log(2.0)) / frame.n_a)
        theta = slsqp(theta0)
        if not feasible(theta):
            theta = interior(theta0)
            polished = slsqp(theta)
            if feasible(polished):
                theta = polished
        value = frame.distortion(theta)[0]
        if feasible(theta) and (best is None or value < best[0]):
            best = (value, theta)
    if best is None:
        return None
    _, u_j, xhat_j = frame.unpack(best[1])
    return u_j, xhat_j, (best[0], frame.rate_bits(best[1]), frame.perception(best[1]))
