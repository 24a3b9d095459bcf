"""Rate–distortion–perception of one Gaussian frame: the anchors of every other result.

For ``X ~ N(0, σ²)`` at rate ``R`` bits/sample, with squared-W2 perception (Zhang, Qian, Chen,
Khisti, NeurIPS 2021, arXiv 2106.10311; Blau & Michaeli 2019).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def mmse_distortion(rate_bits: ArrayLike, sigma2: ArrayLike = 1.0) -> np.ndarray:
    """Distortion-rate function without a perception constraint, ``D(R, ∞) = σ² 2^{−2R}``.

    Parameters
    ----------
    rate_bits : array_like
        Rate ``R ≥ 0`` in bits/sample.
    sigma2 : array_like
        Source variance ``σ²``.

    Returns
    -------
    numpy.ndarray
        Mean squared error per sample (broadcast over the arguments).
    """
    return np.asarray(sigma2, dtype=float) * np.exp2(-2.0 * np.asarray(rate_bits, dtype=float))


def perfect_realism_distortion(rate_bits: ArrayLike, sigma2: ArrayLike = 1.0) -> np.ndarray:
    """Distortion-rate function under perfect realism, ``D(R, 0) = 2σ²(1 − √(1 − 2^{−2R}))``.

    The reconstruction is the MMSE estimate rescaled to the source variance; at ``R = 0`` it is
    independent of the source and ``D = 2σ²``.

    Parameters
    ----------
    rate_bits : array_like
        Rate ``R ≥ 0`` in bits/sample.
    sigma2 : array_like
        Source variance ``σ²``.

    Returns
    -------
    numpy.ndarray
        Mean squared error per sample.
    """
    sigma2 = np.asarray(sigma2, dtype=float)
    return 2.0 * sigma2 * (1.0 - np.sqrt(-np.expm1(-2.0 * np.log(2.0) * np.asarray(rate_bits))))
