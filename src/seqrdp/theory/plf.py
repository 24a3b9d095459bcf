"""What each perception loss function compares, as data.

Every PLF compares two zero-mean Gaussian laws: a reference ``N(0, A)`` and the law of the
last ``n`` reconstructions ``N(0, Cov(X̂_{j−n+1} … X̂_j))``. Only ``A`` and ``n`` differ:

=====  ==========================================  ===========================================
PLF    reference law                               compared reconstructions
=====  ==========================================  ===========================================
fmd    ``P_{X_j}``: ``[[σ_j²]]``                   ``X̂_j``
jd     ``P_{X_1…X_j}``: ``Cov(X^j)``               ``X̂_1 … X̂_j``
sa     ``P_{X̂_1…X̂_{j−1},X_j}``: ``[[K, c], [cᵀ, σ_j²]]``   ``X̂_1 … X̂_j``
mse    (no constraint)
=====  ==========================================  ===========================================
"""

from __future__ import annotations

import numpy as np

from seqrdp.theory.state import Decoder, Step
from seqrdp.theory.wasserstein import GaussianW2


def perception_reference(plf: str, step: Step) -> np.ndarray | None:
    """Covariance ``A`` of the law the PLF wants the reconstructions to match (``None``: mse)."""
    if plf == "mse":
        return None
    if plf == "fmd":
        return np.array([[step.sigma2]])
    if plf == "jd":
        return step.source_cov
    if plf == "sa":
        reference = np.empty((step.frame, step.frame))
        reference[:-1, :-1] = step.past_cov
        reference[:-1, -1] = reference[-1, :-1] = step.cross
        reference[-1, -1] = step.sigma2
        return reference
    raise ValueError(f"unknown PLF {plf!r}")


def perception_loss(plf: str, step: Step, decoder: Decoder) -> float:
    """Perception loss ``P_j`` (squared W2) of frame ``j`` under ``decoder``; ``0`` for mse."""
    reference = perception_reference(plf, step)
    if reference is None:
        return 0.0
    n = len(reference)
    return GaussianW2(reference).value(step.reconstruction_cov(decoder)[-n:, -n:])
