"""Squared 2-Wasserstein distance between zero-mean Gaussian laws, the perception measure.

``W2²(N(0, A), N(0, B)) = tr A + tr B − 2 tr (A^½ B A^½)^½`` (Dowson & Landau 1982; Givens &
Shortt 1984). Matrix square roots use symmetric eigen-decompositions; eigenvalues that rounding
pushes below zero are clipped.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

# Eigenvalue floor for M^{-1/2} in the gradient: keeps it finite when B is (nearly) singular,
# where the gradient of tr M^{1/2} is unbounded along directions that leave the PSD cone.
_EIGEN_FLOOR = 1e-14


def psd_sqrt(matrix: ArrayLike) -> np.ndarray:
    """Symmetric square root ``S^½`` of a PSD matrix (rounding's negative eigenvalues → 0)."""
    values, vectors = np.linalg.eigh(np.atleast_2d(np.asarray(matrix, dtype=float)))
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def gaussian_w2_squared(a: ArrayLike, b: ArrayLike) -> float:
    """Squared 2-Wasserstein distance between ``N(0, a)`` and ``N(0, b)``.

    Parameters
    ----------
    a, b : array_like
        Covariance matrices of the same shape (a scalar is a 1×1 variance).

    Returns
    -------
    float
        ``tr a + tr b − 2 tr (a^½ b a^½)^½ ≥ 0``, in squared units of the samples.
    """
    return GaussianW2(a).value(b)


class GaussianW2:
    """``B ↦ W2²(N(0, A), N(0, B))`` for a fixed reference ``A``, with its gradient in ``B``.

    The reference square root is computed once; each evaluation costs one eigen-decomposition.
    """

    def __init__(self, reference: ArrayLike) -> None:
        self.reference = np.atleast_2d(np.asarray(reference, dtype=float))
        self._sqrt = psd_sqrt(self.reference)
        self._trace = float(np.trace(self.reference))

    def value(self, b: ArrayLike) -> float:
        """``W2²(N(0, A), N(0, b))``."""
        b = np.atleast_2d(np.asarray(b, dtype=float))
        middle = np.linalg.eigvalsh(self._sqrt @ b @ self._sqrt)
        cross = np.sqrt(np.clip(middle, 0.0, None)).sum()
        return max(self._trace + float(np.trace(b)) - 2.0 * cross, 0.0)

    def value_and_gradient(self, b: ArrayLike) -> tuple[float, np.ndarray]:
        """``W2²`` and its gradient ``I − A^½ M^{−½} A^½`` in ``b``, with ``M = A^½ b A^½``.

        From ``d tr M^½ = ½ tr(M^{−½} dM)``; the gradient is symmetric, for symmetric ``db``.
        """
        b = np.atleast_2d(np.asarray(b, dtype=float))
        values, vectors = np.linalg.eigh(self._sqrt @ b @ self._sqrt)
        values = np.clip(values, 0.0, None)
        cross = np.sqrt(values).sum()
        inv_sqrt = (vectors / np.sqrt(np.maximum(values, _EIGEN_FLOOR))) @ vectors.T
        gradient = np.eye(len(b)) - self._sqrt @ inv_sqrt @ self._sqrt
        return max(self._trace + float(np.trace(b)) - 2.0 * cross, 0.0), gradient
