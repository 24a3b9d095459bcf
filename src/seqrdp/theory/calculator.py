"""Per-frame distortion of the greedy sequential RDP optimum, for every PLF and mode.

The greedy optimum minimises ``D_1`` under ``(R_1, P_1)``, then ``D_2`` given the optimal first
stage, and so on. At every frame the encoder's only influence on the step problem is
``q_j = Var E[X_j | U^j]`` and a larger ``q_j`` only enlarges the set of reachable second moments
(:mod:`seqrdp.theory.state`), while the greedy MMSE encoder attains the largest ``q_j`` at every
frame at once (:mod:`seqrdp.theory.mmse`). Hence the MMSE representations are optimal for every
PLF and the ``optimal`` and ``universal`` modes coincide; the independent test-channel solver
(:mod:`seqrdp.theory.solver`) confirms it numerically. See ``docs/theory.md``.

Cost per frame ``j``: O(1) where every step has a closed form (``P ∈ {0, ∞}``; fmd and mse at
any ``P``: :mod:`seqrdp.theory.closed_form`); otherwise O(j²) bookkeeping and, at a frame whose
jd or sa budget is finite and binding, one ``j×j`` SVD plus O(j²) per root-finding step
(:mod:`seqrdp.theory.step_numeric`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from seqrdp.plfs import FMD, HEADS, MMSE_HEAD
from seqrdp.theory.closed_form import (
    closed_form_distortion,
    fmd_decoder,
    has_closed_form,
    mse_decoder,
)
from seqrdp.theory.inputs import MODES, check_choices, check_perception, check_rates
from seqrdp.theory.mmse import (
    mmse_estimate_variance,
    mmse_innovation_variance,
    sequential_mmse_distortion,
)
from seqrdp.theory.plf import step_problem
from seqrdp.theory.source import GaussMarkovSource
from seqrdp.theory.state import Decoder, Frame, InnovationState, Step


def step_decoder(
    plf: str, state: InnovationState, frame: Frame, budget: float
) -> np.ndarray | None:
    """Optimal frame-``j`` decoder ``x`` (``X̂_j = x · E``) for ``plf`` under budget ``budget``.

    Returns ``None`` when no decoder meets the budget (only jd, whose loss cannot fall below
    what the past reconstructions already spent).
    """
    if plf == MMSE_HEAD or math.isinf(budget):
        return mse_decoder(frame)
    if plf == FMD or frame.index == 1:  # at frame 1 every PLF compares P_{X_1} with P_{X̂_1}
        return fmd_decoder(frame, budget)
    problem = step_problem(plf, state, frame)
    least, floor = problem.least()
    tolerance = 1e-9 * (1.0 + budget)
    if budget < floor - tolerance:
        return None
    if problem.target_loss() <= budget:
        return frame.target
    if budget <= floor + tolerance:
        return least
    return problem.constrained(budget, floor)


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS limited to one thread for the matrix path.

    Its matrices are small (``j×j``): threads add only their start-up, and on a busy machine
    OpenBLAS's waiting threads made a 120×120 SVD 30× slower (83 ms against 3 ms).
    ``threadpoolctl`` comes with scikit-learn (mlxtend's dependency).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - without it, BLAS keeps its own thread count
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _greedy(
    source: GaussMarkovSource, rates: np.ndarray, budgets: np.ndarray, plf: str, keep_rows: bool
) -> Iterator[tuple[InnovationState, Frame, np.ndarray | None]]:
    """``(state before frame j, frame j, its decoder)`` until the last or first infeasible frame."""
    state = InnovationState.start(source, keep_rows)
    encoder = zip(
        mmse_estimate_variance(source, rates),
        mmse_innovation_variance(source, rates),
        sequential_mmse_distortion(source, rates),
        strict=True,
    )
    for (estimate_var, innovation_var, mmse), budget in zip(encoder, budgets, strict=True):
        frame = state.next_frame(estimate_var, innovation_var, mmse)
        decoder = step_decoder(plf, state, frame, float(budget))
        yield state, frame, decoder
        if decoder is None:
            return
        state = state.advance(frame, decoder)


def greedy_decoders(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float],
    plf: str,
) -> list[tuple[Step | None, Decoder | None]]:
    """The greedy sequence of step problems and their optimal decoders, frame by frame.

    In the paper's coordinates (:class:`~seqrdp.theory.state.Step`); costs O(j³) per frame.
    An infeasible frame has decoder ``None``; the frames after it are ``(None, None)``.
    """
    check_choices(plf, HEADS, "--plf")
    rates = check_rates(rates, source.frames)
    budgets = check_perception(perception, source.frames)
    solved: list[tuple[Step | None, Decoder | None]] = []
    with _one_blas_thread():
        for state, frame, decoder in _greedy(source, rates, budgets, plf, keep_rows=True):
            step = state.paper_step(frame)
            solved.append((step, None if decoder is None else state.paper_decoder(decoder)))
    solved += [(None, None)] * (source.frames - len(solved))
    return solved


def distortion_per_frame(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float] = 0.0,
    plf: str = MMSE_HEAD,
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
    plf : str
        Perception loss function, one of :data:`seqrdp.plfs.HEADS` (the MMSE head: none).
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
    check_choices(plf, HEADS, "--plf")
    check_choices(mode, MODES, "--mode")
    rates = check_rates(rates, source.frames)
    budgets = check_perception(perception, source.frames)
    if has_closed_form(plf, budgets):
        return closed_form_distortion(source, rates, budgets, plf)
    distortion = np.full(source.frames, np.nan)
    with _one_blas_thread():
        for _, frame, decoder in _greedy(source, rates, budgets, plf, keep_rows=False):
            if decoder is not None:
                distortion[frame.index - 1] = frame.distortion(decoder)
    return distortion


def rdp_table(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float] = 0.0,
    plfs: Iterable[str] = HEADS,
    modes: Iterable[str] = MODES,
) -> list[dict]:
    """One row per ``(plf, mode)``: ``{"plf", "mode", "distortion": [D_1 … D_T]}``.

    Rows are ordered by PLF, then mode, as given; see :func:`distortion_per_frame`.
    """
    plfs = check_choices(plfs, HEADS, "--plf")
    modes = check_choices(modes, MODES, "--mode")
    rows = []
    for plf in plfs:
        # The modes share one computation (module docstring); each row still says its mode.
        distortion = distortion_per_frame(source, rates, perception, plf)
        rows.extend({"plf": plf, "mode": mode, "distortion": distortion.tolist()} for mode in modes)
    return rows
