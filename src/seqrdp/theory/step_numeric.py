"""The step problem without a closed form: jd and sa at a finite, positive budget.

Minimise ``D_j(b, γ)`` subject to ``W2²(A, Cov X̂^j) ≤ P`` by SLSQP with exact gradients, from
a feasible start. In ``(k, S) = (Kb, Var X̂_j)`` the objective
``σ² − 2kᵀK⁺c − 2r√(S − kᵀK⁺k) + S`` and the constraint (W2² is convex in the second
covariance) are both convex, and ``(b, γ ≥ 0) ↦ (k, S)`` is one-to-one, so the local optimum
SLSQP finds is the global one.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize

from seqrdp.theory.state import Decoder, Step
from seqrdp.theory.wasserstein import GaussianW2


def constrained_decoder(
    reference: np.ndarray, step: Step, budget: float, start: Decoder, target: Decoder
) -> Decoder:
    """Best decoder whose last ``n = len(reference)`` reconstructions are within ``budget``.

    Parameters
    ----------
    reference : numpy.ndarray
        Covariance ``A`` (``n×n``) of the reference law
        (:func:`seqrdp.theory.plf.perception_reference`).
    step : Step
        The step-``j`` problem.
    budget : float
        Perception budget ``P > 0`` (squared W2).
    start : Decoder
        A decoder with ``W2² < P`` (the PLF's least-perception continuation).
    target : Decoder
        The MMSE decoder, with ``W2² > P`` (so the constraint is active at the optimum).

    Returns
    -------
    Decoder
        The SLSQP solution (or its feasible starting point, should SLSQP fail to improve it).
    """
    w2 = GaussianW2(reference)
    n, j = len(reference), step.frame
    K, c, r = step.past_cov, step.cross, step.residual

    def split(z: np.ndarray) -> Decoder:
        return Decoder(z[:-1], float(z[-1]))

    def distortion(z: np.ndarray) -> tuple[float, np.ndarray]:
        b, gamma = split(z)
        gradient = np.append(2.0 * (K @ b - c), 2.0 * (gamma - r))
        return step.distortion(Decoder(b, gamma)), gradient

    def slack(z: np.ndarray) -> float:
        return budget - w2.value(step.reconstruction_cov(split(z))[-n:, -n:])

    def slack_gradient(z: np.ndarray) -> np.ndarray:
        b, gamma = split(z)
        _, block = w2.value_and_gradient(step.reconstruction_cov(Decoder(b, gamma))[-n:, -n:])
        g = np.zeros((j, j))
        g[-n:, -n:] = block
        kb = K @ b
        grad_b = 2.0 * (K @ g[:-1, -1]) + 2.0 * g[-1, -1] * kb
        return -np.append(grad_b, 2.0 * gamma * g[-1, -1])

    # Start SLSQP where the segment from ``start`` to ``target`` crosses the constraint: there
    # the constraint is active with a useful gradient. From ``start`` itself (W2² at its minimum,
    # zero gradient) SLSQP's first step jumps to ``target``, where Cov X̂^j can be singular and
    # the constraint's linearisation meaningless.
    z_start = np.append(start.b, start.gamma)
    z_target = np.append(target.b, target.gamma)
    t = brentq(lambda t: slack(z_start + t * (z_target - z_start)), 0.0, 1.0, xtol=1e-14)
    z0 = z_start + t * (z_target - z_start)
    result = minimize(
        distortion,
        z0,
        jac=True,
        method="SLSQP",
        bounds=[(None, None)] * (j - 1) + [(0.0, None)],
        constraints=[{"type": "ineq", "fun": slack, "jac": slack_gradient}],
        options={"ftol": 1e-13, "maxiter": 500},
    )
    # SLSQP may stop a hair outside the set; accept what rounding can explain.
    tolerance = 1e-9 * (1.0 + budget)
    if np.all(np.isfinite(result.x)) and slack(result.x) >= -tolerance:
        if distortion(result.x)[0] <= distortion(z0)[0]:
            return split(result.x)
    return split(z0)
