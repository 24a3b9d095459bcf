"""Per-frame distortion of the greedy sequential RDP optimum, for every PLF and mode.

The greedy optimum minimises ``D_1`` under ``(R_1, P_1)``, then ``D_2`` given the optimal first
stage, and so on. At every frame the encoder's only influence on the step problem is
``q_j = Var E[X_j | U^j]`` and a larger ``q_j`` only enlarges the set of reachable second moments
(:mod:`seqrdp.theory.state`), while the greedy MMSE encoder attains the largest ``q_j`` at every
frame at once (:mod:`seqrdp.theory.mmse`). Hence the MMSE representations are optimal for every
PLF and the ``optimal`` and ``universal`` modes coincide; the independent test-channel solver
(:mod:`seqrdp.theory.solver`) confirms it numerically. See ``docs/theory.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from seqrdp.theory.closed_form import (
    fmd_decoder,
    jd_continuation,
    mse_decoder,
    sa_perfect_decoder,
)
from seqrdp.theory.inputs import MODES, PLFS, check_choices, check_perception, check_rates
from seqrdp.theory.mmse import mmse_estimate_variance
from seqrdp.theory.plf import perception_loss, perception_reference
from seqrdp.theory.source import GaussMarkovSource
from seqrdp.theory.state import Decoder, ReconstructionState, Step
from seqrdp.theory.step_numeric import constrained_decoder


def step_decoder(plf: str, step: Step, budget: float) -> Decoder | None:
    """Optimal step-``j`` decoder for ``plf`` under perception budget ``budget``.

    Returns ``None`` when no decoder meets the budget (only jd, whose loss cannot fall below
    what the past reconstructions already spent).
    """
    if plf == "mse" or math.isinf(budget):
        return mse_decoder(step)
    if plf == "fmd" or step.frame == 1:  # at frame 1 every PLF compares P_{X_1} with P_{X̂_1}
        return fmd_decoder(step, budget)
    mmse = mse_decoder(step)
    if perception_loss(plf, step, mmse) <= budget:
        return mmse
    start = sa_perfect_decoder(step) if plf == "sa" else jd_continuation(step)
    floor = perception_loss(plf, step, start)
    tolerance = 1e-9 * (1.0 + budget)
    if budget <= floor + tolerance:
        return start if budget >= floor - tolerance else None
    return constrained_decoder(perception_reference(plf, step), step, budget, start, mmse)


def greedy_decoders(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float],
    plf: str,
) -> list[tuple[Step | None, Decoder | None]]:
    """The greedy sequence of step problems and their optimal decoders, frame by frame.

    An infeasible frame has decoder ``None``; the frames after it are ``(None, None)``.
    """
    check_choices(plf, PLFS, "--plf")
    rates = check_rates(rates, source.frames)
    budgets = check_perception(perception, source.frames)
    state = ReconstructionState.start(source)
    solved: list[tuple[Step | None, Decoder | None]] = []
    for q, budget in zip(mmse_estimate_variance(source, rates), budgets, strict=True):
        step = state.step(q)
        decoder = step_decoder(plf, step, float(budget))
        solved.append((step, decoder))
        if decoder is None:
            break
        state = state.advance(step, decoder)
    solved += [(None, None)] * (source.frames - len(solved))
    return solved


def distortion_per_frame(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float] = 0.0,
    plf: str = "mse",
    mode: str = "optimal",
) -> np.ndarray:
    """Per-frame distortion ``D_1 … D_T`` of the greedy sequential RDP optimum.

    Parameters
    ----------
    source : GaussMarkovSource
        The Gauss–Markov source (``T`` frames).
    rates : sequence of float
        ``R_1 … R_T`` in bits/sample (``≥ 0``).
    perception : float or sequence of float
        Budgets ``P_1 … P_T`` in squared W2 (one value applies to every frame); ``0`` is
        perfect realism, ``inf`` no constraint.
    plf : {"mse", "fmd", "jd", "sa"}
        Perception loss function.
    mode : {"optimal", "universal"}
        ``optimal``: encoder and decoder designed for the PLF; ``universal``: the MMSE
        sequential encoder with a decoder designed for the PLF. Equal in this model (module
        docstring).

    Returns
    -------
    numpy.ndarray
        MSE per sample for each frame; ``nan`` from the first frame whose budget cannot be met
        (jd only: e.g. ``P_2 = 0`` after ``P_1 > 0``).
    """
    check_choices(mode, MODES, "--mode")
    return np.array(
        [
            np.nan if decoder is None else step.distortion(decoder)
            for step, decoder in greedy_decoders(source, rates, perception, plf)
        ]
    )


def rdp_table(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float] = 0.0,
    plfs: Iterable[str] = PLFS,
    modes: Iterable[str] = MODES,
) -> list[dict]:
    """One row per ``(plf, mode)``: ``{"plf", "mode", "distortion": [D_1 … D_T]}``.

    Rows are ordered by PLF, then mode, as given; see :func:`distortion_per_frame`.
    """
    plfs = check_choices(plfs, PLFS, "--plf")
    modes = check_choices(modes, MODES, "--mode")
    rows = []
    for plf in plfs:
        # The modes share one computation (module docstring); each row still says its mode.
        distortion = distortion_per_frame(source, rates, perception, plf)
        rows.extend({"plf": plf, "mode": mode, "distortion": distortion.tolist()} for mode in modes)
    return rows
