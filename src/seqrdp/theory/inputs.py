"""Validation of the calculator's inputs, in one place.

Messages name the ``seqrdp theory gm`` flag that carries the input, so that the CLI can show
them unchanged (:class:`~seqrdp.errors.UsageError`: one line, exit code 2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from seqrdp.errors import UsageError

MODES = ("optimal", "universal")
"""``optimal``: encoder and decoder for the PLF; ``universal``: MMSE encoder + PLF decoder."""


def check_rates(rates: float | Sequence[float], frames: int) -> np.ndarray:
    """Rates ``R_1 … R_T`` in bits/sample as a float array: finite, ``≥ 0``, one per frame."""
    array = np.atleast_1d(np.asarray(rates, dtype=float))
    if array.ndim != 1 or array.size != frames:
        raise UsageError(f"--rates: got {array.size} values for T = {frames} frames")
    for r in array:
        if not (math.isfinite(r) and r >= 0):
            raise UsageError(f"--rates: every rate must be finite and >= 0 bits/sample, got {r:g}")
    return array


def check_perception(perception: float | Sequence[float], frames: int) -> np.ndarray:
    """Perception budgets ``P_1 … P_T`` (squared W2) as a float array: ``≥ 0``, ``inf`` allowed.

    A single value applies to every frame.
    """
    array = np.atleast_1d(np.asarray(perception, dtype=float))
    if array.ndim != 1:
        raise UsageError("--perception: expected one value or one per frame")
    if array.size == 1:
        array = np.full(frames, array[0])
    if array.size != frames:
        raise UsageError(f"--perception: got {array.size} values for T = {frames} frames")
    for p in array:
        if not p >= 0:  # also rejects nan
            raise UsageError(f"--perception: every budget must be >= 0 (or inf), got {p:g}")
    return array


def check_choices(values: str | Iterable[str], choices: Sequence[str], flag: str) -> list[str]:
    """Names from ``choices`` (a string is one name), deduplicated, in the order given."""
    names = [values] if isinstance(values, str) else list(values)
    if not names:
        raise UsageError(f"{flag}: give at least one of {', '.join(choices)}")
    for name in names:
        if name not in choices:
            raise UsageError(f"{flag}: unknown value {name!r}; choose from {', '.join(choices)}")
    return list(dict.fromkeys(names))
