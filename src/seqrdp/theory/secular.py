"""A positive rank-one update of a diagonal, ``S = diag(d)² + ρ zzᵀ``, by its secular equation.

The eigenvalues ``σ_i²`` of ``S`` are the roots of ``1 + ρ Σ_m z_m²/(d_m² − σ²) = 0`` (one between
consecutive ``d_m²``, the last above ``d_k²``), and the eigenvector of ``σ_i²`` is
``(diag(d)² − σ_i²)^{−1} z``, normalised. LAPACK's ``dlasd4`` finds each root in O(k) operations
and returns the differences ``d_m − σ_i`` directly, so that the eigenvectors keep full accuracy
even where ``σ_i`` is close to a ``d_m``; following Gu & Eisenstat (1995), the vectors are built
from the ``z`` that the computed roots solve exactly (Löwner's formula), so that they are
orthonormal. Entries of ``z`` below rounding and poles closer than rounding are deflated first
(as LAPACK's ``dlasd7``). All ``k`` roots and the eigenvectors cost O(k²).
"""

from __future__ import annotations

import numpy as np


class RankOneUpdate:
    """The eigen-decomposition of ``S = diag(d)² + ρ zzᵀ``.

    Parameters
    ----------
    d : numpy.ndarray
        ``d ≥ 0``, any order, ties allowed (length ``k``).
    z : numpy.ndarray
        The update vector (length ``k``).
    rho : float
        ``ρ ≥ 0``.

    Attributes
    ----------
    sigma : numpy.ndarray
        ``σ ≥ 0``, ``σ²`` the eigenvalues of ``S`` (in the order of :meth:`project`).
    kernel : int
        How many ``σ`` are zero to rounding.
    """

    def __init__(self, d: np.ndarray, z: np.ndarray, rho: float) -> None:
        from scipy.linalg.lapack import dlasd4  # SciPy loads only where a finite budget needs it

        self._order = np.argsort(d, kind="stable")
        # Work on S / scale² (scale: the largest of d and √ρ|z|), so that nothing under- or
        # overflows; σ is scaled back at the end.
        poles = np.asarray(d, dtype=float)[self._order]
        vector = np.sqrt(rho) * np.asarray(z, dtype=float)[self._order]
        k = len(poles)
        scale = max(poles.max(initial=0.0), np.abs(vector).max(initial=0.0))
        self.tol = 8.0 * np.finfo(float).eps * scale
        self._rotations: list[tuple[int, int, float, float]] = []
        self._kept = np.zeros(0, dtype=int)
        self._vectors = np.zeros((0, 0))
        self.sigma = poles.copy()
        if scale == 0.0:
            self.kernel = k
            return
        poles, vector = poles / scale, vector / scale
        tol = 8.0 * np.finfo(float).eps * max(poles[-1], np.linalg.norm(vector))
        poles[poles <= tol] = 0.0  # as dlasd2: a pole is 0 or at least tol from 0
        # A negligible z_m leaves (d_m, e_m) an eigenpair; of two poles closer than tol, a plane
        # rotation moves the weight of z onto the upper one.
        live = np.abs(vector) > tol
        indices = np.flatnonzero(live)
        for step in np.flatnonzero(np.diff(poles[indices]) <= tol):
            low, high = indices[step], indices[step + 1]
            radius = np.hypot(vector[high], vector[low])
            c, s = vector[high] / radius, vector[low] / radius
            self._rotations.append((high, low, c, s))
            vector[high], vector[low] = radius, 0.0
            live[low] = False
        self._kept = np.flatnonzero(live)
        sigma = poles.copy()
        if len(self._kept) == 1:
            m = self._kept[0]
            sigma[m] = np.hypot(poles[m], vector[m])
            self._vectors = np.ones((1, 1))
        elif len(self._kept) > 1:
            d_live, z_live = poles[self._kept], vector[self._kept]
            norm = np.linalg.norm(z_live)
            unit, weight = z_live / norm, norm**2
            gap = np.empty((len(self._kept), len(self._kept)))  # gap[i, m] = d_m² − σ_i²
            for i in range(len(self._kept)):
                delta, sigma_i, plus, info = dlasd4(i, d_live, unit, weight)
                if info != 0:  # pragma: no cover - LAPACK's own failure
                    raise ArithmeticError(f"dlasd4 did not converge (info = {info})")
                sigma[self._kept[i]] = sigma_i
                gap[i] = delta * plus
            vectors = _loewner(d_live, gap, weight, np.sign(unit)) / gap  # row i: σ_i²
            self._vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        self.sigma = sigma * scale
        self.kernel = int(np.sum(self.sigma <= self.tol))

    def _rotate(self, v: np.ndarray) -> np.ndarray:
        """``v`` (coordinates of ``d``) in the sorted, deflated coordinates."""
        out = np.asarray(v, dtype=float)[self._order].copy()
        for high, low, c, s in self._rotations:
            out[high], out[low] = c * out[high] + s * out[low], c * out[low] - s * out[high]
        return out

    def project(self, v: np.ndarray) -> np.ndarray:
        """Coordinates of ``v`` on the eigenvectors of ``S`` (aligned with :attr:`sigma`)."""
        out = self._rotate(v)
        out[self._kept] = self._vectors @ out[self._kept]
        return out

    def combine(self, coefficients: np.ndarray) -> np.ndarray:
        """``Σ_i coefficients_i · (eigenvector i)`` in the coordinates of ``d``."""
        out = np.asarray(coefficients, dtype=float).copy()
        out[self._kept] = coefficients[self._kept] @ self._vectors
        for high, low, c, s in reversed(self._rotations):
            out[high], out[low] = c * out[high] - s * out[low], s * out[high] + c * out[low]
        result = np.empty_like(out)
        result[self._order] = out
        return result

    def divide(self, coefficients: np.ndarray) -> np.ndarray:
        """``coefficients / σ`` (``0`` where ``σ`` is zero to rounding): ``S^{+½}`` in the
        eigenbasis."""
        return np.divide(
            coefficients,
            self.sigma,
            out=np.zeros_like(self.sigma),
            where=self.sigma > self.tol,
        )


def _loewner(d: np.ndarray, gap: np.ndarray, rho: float, sign: np.ndarray) -> np.ndarray:
    """The unit ``z`` whose update has exactly the computed roots (Gu & Eisenstat 1995).

    ``ρ z_m² ∏_{i≠m} (d_i² − d_m²) = ∏_i (σ_i² − d_m²)`` with ``σ_i² − d_m² = −gap[i, m]``. As
    in LAPACK's ``dlasd8``, root ``i`` is paired with pole ``i`` below ``m`` and with pole
    ``i + 1`` from ``m`` on (the last root alone): by interlacing every ratio lies in (0, 1], so
    the product cannot overflow.
    """
    k = len(d)
    rows = np.arange(k)[:, None]
    paired = np.minimum(rows + (rows >= np.arange(k)[None, :]), k - 1)
    poles = (d[paired] - d[None, :]) * (d[paired] + d[None, :])
    poles[-1] = 1.0  # the last root has no partner
    z = sign * np.sqrt(np.prod(np.abs(gap / poles), axis=0) / rho)
    return z / np.linalg.norm(z)
