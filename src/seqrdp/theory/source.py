"""The first-order Gauss–Markov source of the paper's Gaussian study.

``X_1 ~ N(0, σ_1²)``, ``X_{j+1} = ρ_j X_j + N_j`` with ``N_j ~ N(0, v_j)`` independent of the
past. Frames are scalar (one sample each); all variances are per sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from seqrdp.errors import UsageError


@dataclass(frozen=True)
class GaussMarkovSource:
    """Gauss–Markov source ``X_{j+1} = ρ_j X_j + N_j``, ``N_j ~ N(0, v_j)``.

    Parameters
    ----------
    rho : sequence of float
        Correlation coefficients ``ρ_1 … ρ_{T−1}`` of the ``T − 1`` transitions (``|ρ_j| < 1``).
        The number of frames is ``T = len(rho) + 1``.
    sigma2_1 : float
        Variance ``σ_1²`` of the first frame (> 0).
    innovation_var : sequence of float, optional
        Innovation variances ``v_1 … v_{T−1}`` (> 0). Default ``v_j = 1 − ρ_j²``, which keeps a
        unit-variance source stationary.

    Attributes
    ----------
    sigma2 : numpy.ndarray
        Per-frame variances ``σ_j² = ρ_{j−1}² σ_{j−1}² + v_{j−1}`` (length ``T``).
    frames : int
        Number of frames ``T``.
    """

    rho: Sequence[float]
    sigma2_1: float = 1.0
    innovation_var: Sequence[float] | None = None
    sigma2: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rho = tuple(float(r) for r in self.rho)
        for r in rho:
            if not abs(r) < 1:  # also rejects nan
                raise UsageError(f"--rho: every value must satisfy |rho| < 1, got {r:g}")
        sigma2_1 = float(self.sigma2_1)
        if not (math.isfinite(sigma2_1) and sigma2_1 > 0):
            raise UsageError(f"--sigma1: the first-frame variance must be > 0, got {sigma2_1:g}")
        if self.innovation_var is None:
            v = tuple(1.0 - r * r for r in rho)
        else:
            v = tuple(float(x) for x in self.innovation_var)
            if len(v) != len(rho):
                raise UsageError(
                    f"--innovation-var: got {len(v)} values for {len(rho)} transitions "
                    f"(one per --rho value, T - 1)"
                )
            for x in v:
                if not (math.isfinite(x) and x > 0):
                    raise UsageError(f"--innovation-var: every value must be positive, got {x:g}")
        sigma2 = [sigma2_1]
        for r, x in zip(rho, v, strict=True):
            sigma2.append(r * r * sigma2[-1] + x)
        array = np.array(sigma2)
        array.setflags(write=False)
        # Frozen: normalise the inputs to tuples once, here.
        object.__setattr__(self, "rho", rho)
        object.__setattr__(self, "sigma2_1", sigma2_1)
        object.__setattr__(self, "innovation_var", v)
        object.__setattr__(self, "sigma2", array)

    @property
    def frames(self) -> int:
        """Number of frames ``T``."""
        return len(self.rho) + 1

    def gain(self, i: int, j: int) -> float:
        """``∏_{l=i}^{j−1} ρ_l`` (frames 1-based), so that ``E[X_j | X_i] = gain(i, j) X_i``."""
        return math.prod(self.rho[i - 1 : j - 1])

    def covariance(self, frames: int | None = None) -> np.ndarray:
        """Covariance ``Cov(X_1 … X_j)`` of the first ``j = frames`` frames.

        ``Cov(X_i, X_k) = gain(i, k) σ_i²`` for ``i ≤ k``.
        """
        j = self.frames if frames is None else frames
        rho = np.asarray(self.rho[: max(j - 1, 0)], dtype=float)
        cov = np.zeros((j, j))
        for i in range(j):  # row i: σ_i² (1, ρ_i, ρ_iρ_{i+1}, …) from the diagonal on
            cov[i, i:] = self.sigma2[i] * np.cumprod(np.concatenate(([1.0], rho[i:])))
        return np.triu(cov) + np.triu(cov, 1).T
