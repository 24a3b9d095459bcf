"""The shared Poisson process of the one-shot codes, drawn from a seed, point by point.

A Poisson process on ``[0, ∞) × ℝⁿ`` with intensity ``dt × Q``, ``Q = N(0, I_n)``, simulated as
the superposition of independent processes on radial shells ``{a ≤ ‖z‖ < b}`` (shell ``k``
has rate ``Q(shell k)`` and marks ``Q`` restricted to it). Superposing them gives the same
process; the shells let a search bound the points it has not drawn
(:mod:`seqrdp.theory.poisson_representation`).

On each shell's unit-rate time axis ``S = T·Q(shell)`` the first point comes at
``S_1 ~ Exp(1)``, named ``(shell, 0, 0)``; the rest of the axis (memoryless) is cut into
windows of length :data:`WINDOW`, window ``w ≥ 1`` holding ``Poisson(WINDOW)`` points, slot
``k`` at ``S = S_1 + WINDOW·(w − 1 + u_k)``. A point is named ``(shell, window, slot)`` and
each of its numbers (time, direction ``g/‖g‖`` from ``n`` normals, radius from inverting the
χ²_n law inside the shell) is a hash of the block's key and that name
(:mod:`seqrdp.theory.common_randomness`). So anyone holding the key can draw any point
without drawing the others, batching never changes a bit, and a shell with nothing before a
time costs one hash to rule out.

Functions take *pairs*: parallel arrays of block keys and shells, one entry per (block,
shell) pair a caller wants to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import gammainccinv, gammaincinv, ndtri, pdtr

from seqrdp.errors import UsageError
from seqrdp.theory.common_randomness import hash_words, normal, uniform

WINDOW = 4.0
"""Expected points per window of a shell's unit-rate time axis."""

MAX_BLOCK = 1024
"""Largest block ``n`` (a point's coordinate takes 10 bits of its hash field)."""

# What a hash word is for; the first field is (shell << 3) | purpose.
_FIRST, _COUNT, _TIME, _RADIUS, _DIRECTION = 0, 1, 2, 3, 4
# Expected points handled in one vectorised batch (bounds the memory to tens of MB).
_BATCH = 1 << 17
# Shell radii widened by this relative margin in bounds: the inverse χ² law is monotone only
# up to rounding.
_EDGE_SLACK = 1e-12


@dataclass(frozen=True)
class Shells:
    """Radial shells of ``N(0, I_n)``, shell ``k`` holding ``lo[k] ≤ F(‖z‖²) < hi[k]``.

    ``F`` is the χ²_n CDF for the shells below the median (``upper[k]`` false) and its
    survival function (decreasing outwards) beyond, so that tail shells keep full precision.
    ``mass = hi − lo`` is exact (dyadic levels); ``radius_lo``/``radius_hi`` bound the radii.
    """

    block: int
    upper: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    mass: np.ndarray
    radius_lo: np.ndarray
    radius_hi: np.ndarray

    def radius(self, shell: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``‖Z‖`` of ``Z ~ Q`` restricted to ``shell``, from a uniform ``u`` (inverse CDF)."""
        level = self.lo[shell] + u * self.mass[shell]
        upper = self.upper[shell]
        out = np.empty_like(level)
        if self.block == 1:  # χ²_1: ‖z‖ = Φ⁻¹((1 + F)/2) = −Φ⁻¹(F̄/2), faster than the Γ inverse
            out[~upper] = ndtri(0.5 + 0.5 * level[~upper])
            out[upper] = -ndtri(0.5 * level[upper])
            return out
        out[~upper] = np.sqrt(2.0 * gammaincinv(0.5 * self.block, level[~upper]))
        out[upper] = np.sqrt(2.0 * gammainccinv(0.5 * self.block, level[upper]))
        return out


@lru_cache(maxsize=64)
def shells(block: int) -> Shells:
    """The shells for blocks of ``block`` samples.

    Eight of mass 1/16 up to the median, eight of mass 1/16 beyond it, then tail shells of
    survival ``2^{−5} … 2^{−16}`` (each halving) and ``2^{−18} … 2^{−64}`` (each quartering),
    and the rest. Fine tail shells matter: the mean search length is set by the rare blocks
    whose target lies far out.
    """
    if not 1 <= block <= MAX_BLOCK:
        raise UsageError(f"--block: a block holds 1 to {MAX_BLOCK} samples, got {block}")
    cdf = np.arange(0, 9) / 16.0
    survival = np.concatenate(
        [np.arange(8, 0, -1) / 16.0, 2.0 ** -np.arange(5, 17), 2.0 ** -np.arange(18, 65, 2), [0.0]]
    )
    half = 0.5 * block
    lower_radii = np.sqrt(2.0 * gammaincinv(half, cdf))
    upper_radii = np.append(np.sqrt(2.0 * gammainccinv(half, survival[:-1])), np.inf)
    result = Shells(
        block=block,
        upper=np.concatenate([np.zeros(len(cdf) - 1, bool), np.ones(len(survival) - 1, bool)]),
        lo=np.concatenate([cdf[:-1], survival[1:]]),
        hi=np.concatenate([cdf[1:], survival[:-1]]),
        mass=np.concatenate([np.diff(cdf), -np.diff(survival)]),
        radius_lo=np.concatenate([lower_radii[:-1], upper_radii[:-1]]) * (1 - _EDGE_SLACK),
        radius_hi=np.concatenate([lower_radii[1:], upper_radii[1:]]) * (1 + _EDGE_SLACK),
    )
    for value in vars(result).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return result


@lru_cache(maxsize=1)
def _count_table() -> np.ndarray:
    """CDF of ``Poisson(WINDOW)`` at ``0, 1, …`` up to where it rounds to 1 (set to exactly 1)."""
    cdf = pdtr(np.arange(64), WINDOW)
    table = cdf[: int(np.argmax(cdf >= 1.0)) + 1].copy()
    table[-1] = 1.0
    return table


def ragged(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten the integer ranges ``[start_i, stop_i)``: (owner ``i``, value) per element."""
    counts = np.maximum(stops - starts, 0)
    owner = np.repeat(np.arange(len(starts)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return owner, starts[owner] + (np.arange(len(owner)) - first)


def _window_counts(keys: np.ndarray, shell: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Number of points in each named window."""
    words = hash_words(keys, (shell << 3) | _COUNT, window)
    return np.searchsorted(_count_table(), uniform(words), side="right")


@dataclass(frozen=True)
class Points:
    """Points of some pairs: ``owner`` (index of the pair), window, slot, unit-rate time."""

    owner: np.ndarray
    window: np.ndarray
    slot: np.ndarray
    time: np.ndarray


def first_arrivals(keys: np.ndarray, shell: np.ndarray) -> np.ndarray:
    """``S_1``, the unit-rate time of each pair's first point: ``−log u``."""
    return -np.log(uniform(hash_words(keys, (shell << 3) | _FIRST)))


def points(
    keys: np.ndarray, shell: np.ndarray, first: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> Points:
    """Every point of pair ``i``'s shell with unit-rate time in ``[lo_i, hi_i)``
    (``first``: the pairs' :func:`first_arrivals`)."""
    start = np.floor(np.maximum(lo - first, 0.0) / WINDOW).astype(np.int64) + 1
    stop = np.where(hi > first, np.floor((hi - first) / WINDOW).astype(np.int64) + 2, start)
    owner, window = ragged(start, stop)
    counts = _window_counts(keys[owner], shell[owner], window)
    which, slot = ragged(np.zeros(len(owner), np.int64), counts)
    owner, window = owner[which], window[which]
    words = hash_words(keys[owner], (shell[owner] << 3) | _TIME, (window << 6) | slot)
    time = first[owner] + WINDOW * (window - 1 + uniform(words))
    lead = np.flatnonzero((first >= lo) & (first < hi))
    owner = np.concatenate([lead, owner])
    window = np.concatenate([np.zeros(len(lead), np.int64), window])
    slot = np.concatenate([np.zeros(len(lead), np.int64), slot])
    time = np.concatenate([first[lead], time])
    keep = (time >= lo[owner]) & (time < hi[owner])
    return Points(owner[keep], window[keep], slot[keep], time[keep])


def batches(weight: np.ndarray) -> Iterator[np.ndarray]:
    """Consecutive runs of indices whose ``weight`` (expected points) adds up to about
    :data:`_BATCH`; a heavier entry is a run of its own."""
    run = np.floor((np.cumsum(weight) - weight) / _BATCH).astype(np.int64)
    yield from np.split(np.arange(len(weight)), np.flatnonzero(np.diff(run)) + 1)


def pieces(lo: np.ndarray, hi: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The time ranges ``[lo_i, hi_i)`` cut into pieces of at most :data:`_BATCH` and batched:
    ``(owner, lo, hi)`` per batch (one owner may span several batches)."""
    length = np.maximum(hi - lo, 0.0)
    owner, piece = ragged(np.zeros(len(lo), np.int64), np.ceil(length / _BATCH).astype(np.int64))
    start = lo[owner] + piece * _BATCH
    stop = np.minimum(start + _BATCH, hi[owner])
    for run in batches(stop - start + WINDOW):
        yield owner[run], start[run], stop[run]


def directions(keys: np.ndarray, shell: np.ndarray, window, slot, block: int) -> np.ndarray:
    """Unit vectors ``g/‖g‖`` (``g`` standard normal in ℝⁿ) of the named points."""
    base = hash_words(keys, (shell << 3) | _DIRECTION)
    field = ((window << 6) | slot) << 10
    g = normal(hash_words(base[:, None], field[:, None] | np.arange(block)[None, :]))
    return g / np.sqrt(np.einsum("ij,ij->i", g, g))[:, None]


def radii(keys: np.ndarray, shell: np.ndarray, window, slot, block: int) -> np.ndarray:
    """``‖Z‖`` of the named points."""
    words = hash_words(keys, (shell << 3) | _RADIUS, (window << 6) | slot)
    return shells(block).radius(shell, uniform(words))


def locations(keys: np.ndarray, name: np.ndarray, block: int) -> np.ndarray:
    """``Z`` of the points named by the rows ``(shell, window, slot)`` of ``name``:
    ``(len(keys), block)``, each ``~ Q`` restricted to its shell."""
    shell, window, slot = name.T
    radius = radii(keys, shell, window, slot, block)
    return radius[:, None] * directions(keys, shell, window, slot, block)


def times(keys: np.ndarray, name: np.ndarray, sh: Shells) -> np.ndarray:
    """Arrival times ``T = S / Q(shell)`` of the points named by the rows of ``name``."""
    shell, window, slot = name.T
    first = first_arrivals(keys, shell)
    words = hash_words(keys, (shell << 3) | _TIME, (window << 6) | slot)
    later = first + WINDOW * (window - 1 + uniform(words))
    return np.where(window == 0, first, later) / sh.mass[shell]


def first_times(keys: np.ndarray, sh: Shells) -> np.ndarray:
    """:func:`first_arrivals` of every shell of every block, ``(N, shells)``."""
    shell = np.arange(len(sh.mass))
    return first_arrivals(keys[:, None], shell[None, :])


def _name_less(shell, window, slot, name: np.ndarray) -> np.ndarray:
    """``(shell, window, slot) < name`` lexicographically, row by row."""
    ns, nw, nl = name.T
    return (shell < ns) | ((shell == ns) & ((window < nw) | ((window == nw) & (slot < nl))))


def count_before(
    keys: np.ndarray, time: np.ndarray, name: np.ndarray, sh: Shells, first: np.ndarray
) -> np.ndarray:
    """Points before the named point (at time ``time``) in the merged order of all shells —
    by time, then name (equal times have probability 0) — per block (``first``:
    :func:`first_times`)."""
    reach = time[:, None] * sh.mass[None, :]
    rows, shell = np.nonzero(reach * (1.0 + 1e-9) >= first)  # the named point's own too
    reach, start = reach[rows, shell], first[rows, shell]
    # The first point and windows 1 … whole end a window before the threshold (a margin of
    # WINDOW ≫ rounding): count them by their sizes; compare the rest point by point.
    whole = np.maximum(np.floor((reach - start) / WINDOW).astype(np.int64) - 1, 0)
    count = np.bincount(rows, weights=whole >= 1, minlength=len(keys)).astype(np.int64)
    for run in batches(whole.astype(float)):
        owner, window = ragged(np.ones(len(run), np.int64), whole[run] + 1)
        sizes = _window_counts(keys[rows[run]][owner], shell[run][owner], window)
        count += np.bincount(rows[run][owner], weights=sizes, minlength=len(keys)).astype(np.int64)
    lo = np.where(whole >= 1, start + whole * WINDOW, start)
    near = points(keys[rows], shell, start, lo, start + (whole + 2) * WINDOW)
    row, at_shell = rows[near.owner], shell[near.owner]
    at = near.time / sh.mass[at_shell]
    before = (at < time[row]) | (
        (at == time[row]) & _name_less(at_shell, near.window, near.slot, name[row])
    )
    return count + np.bincount(row[before], minlength=len(keys))


def nth(keys: np.ndarray, rank: np.ndarray, sh: Shells) -> np.ndarray:
    """Names ``(shell, window, slot)`` of the points of rank ``rank ≥ 1`` in the merged order."""
    first = first_times(keys, sh)
    name = np.full((len(keys), 3), -1, dtype=np.int64)
    todo = np.arange(len(keys))
    horizon = 1.25 * rank + 4.0 * np.sqrt(rank) + 8.0  # E[points before time T] = T
    while len(todo):
        for run in batches(horizon[todo]):
            rows = todo[run]
            name[rows] = _nth_before(keys[rows], rank[rows], horizon[rows], first[rows], sh)
        todo = todo[name[todo, 0] < 0]
        horizon[todo] *= 2.0
    return name


def _nth_before(keys, rank, horizon, first, sh: Shells) -> np.ndarray:
    """Name of the ``rank``-th point, or ``-1`` rows where fewer lie before ``horizon``."""
    reach = horizon[:, None] * sh.mass[None, :]
    rows, shell = np.nonzero(reach > first)
    found = points(keys[rows], shell, first[rows, shell], np.zeros(len(rows)), reach[rows, shell])
    row, shell = rows[found.owner], shell[found.owner]
    time = found.time / sh.mass[shell]
    order = np.lexsort((found.slot, found.window, shell, time, row))
    counts = np.bincount(row, minlength=len(keys))
    start = np.cumsum(counts) - counts
    result = np.full((len(keys), 3), -1, dtype=np.int64)
    ok = counts >= rank
    pick = order[start[ok] + rank[ok] - 1]
    result[ok] = np.stack([shell[pick], found.window[pick], found.slot[pick]], axis=1)
    return result
