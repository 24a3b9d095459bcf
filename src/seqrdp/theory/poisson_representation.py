"""Poisson functional representation of a Gaussian channel on a block of ``n`` samples.

Li & El Gamal, *Strong functional representation lemma and applications to coding
theorems*, IEEE Trans. IT 64(11), 2018. Encoder and decoder share a Poisson process
``{(T_i, Z_i)}`` with intensity ``dt × Q`` (:mod:`seqrdp.theory.poisson_process`). To send a
sample of ``P`` the encoder sends the rank ``K`` (in time order) of

    argmin_i  T_i / r(Z_i),     r = dP/dQ,

and the decoder outputs ``Z_K``, whose law is exactly ``P``;
``E log2 K ≤ D(P‖Q) + log2(e)/e + 1 ≈ D + 1.53`` bits (proof of their Theorem 1). In
coordinates whitened by the decoder's law, ``Q = N(0, I_n)``, ``P = N(m, σ² I_n)`` and

    log r(z) = −n log σ − ‖z − m‖²/(2σ²) + ‖z‖²/2 = c + ρ u·m/σ² − αρ²/2

for ``z = ρu`` (``‖u‖ = 1``), with ``α = (1 − σ²)/σ²`` and ``c = −n log σ − ‖m‖²/(2σ²)``.

**Stopping rule.** ``r`` is bounded exactly when ``σ < 1`` (or ``σ = 1`` and ``m = 0``, where
``r ≡ 1``); otherwise no finite search can certify the minimum and :func:`encode` raises
:class:`~seqrdp.errors.UsageError`. A point of a shell ``B`` arriving after ``t`` has
``T/r ≥ t / sup_B r``, so once every shell has been searched up to time
``min_i(T_i/r(Z_i)) · sup_B r`` the minimum is final. On the shell ``a ≤ ρ < b``,
``sup r = exp(c + ρ*‖m‖/σ² − αρ*²/2)`` with ``ρ*`` the radius in ``[a, b]`` nearest
``‖m‖/(1 − σ²)``. One shell (all of ``ℝⁿ``) would give the textbook rule
``sup r = σ^{−n} exp(‖m‖²/(2(1 − σ²)))``, whose search length ``exp D_∞(P‖Q)`` has infinite
mean over the source (the ``½χ²_n`` in its exponent); with shells the mean is finite, but it
still grows as ``2^{n·I}`` times a factor that grows with ``n`` (``docs/theory.md``).

The search runs in rounds ``B = 1, 2, 4, …``: each round extends every shell to time
``B · sup r``, and a block is done once its minimum of ``T/r`` is at most ``B``. A point is
drawn in three steps, each skipped when it cannot beat the running minimum: its time, its
direction (``n`` normals: then the bound over the shell's radii is sharper), its radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from seqrdp.errors import UsageError
from seqrdp.theory import poisson_process as process
from seqrdp.theory.poisson_process import Points, Shells, shells


def check_bounded(mean: np.ndarray, scale: float) -> None:
    """Raise :class:`~seqrdp.errors.UsageError` unless ``dP/dQ`` is bounded (module docstring)."""
    if not (math.isfinite(scale) and scale > 0):
        raise UsageError(f"the target's scale must be positive and finite, got {scale:g}")
    if scale > 1.0 or (scale == 1.0 and np.any(mean != 0.0)):
        shifted = " and a shifted mean" if scale == 1.0 else ""
        raise UsageError(
            "the density ratio of the target to the decoder's law is unbounded (target "
            f"standard deviation {scale:.6g} times the decoder's{shifted}): a one-shot code "
            "needs the channel's variance below the decoder's marginal variance"
        )


@dataclass(frozen=True)
class Encoded:
    """What :func:`encode` returns.

    Attributes
    ----------
    index : numpy.ndarray
        ``K ≥ 1`` per block (int64): the rank to send.
    sample : numpy.ndarray
        ``Z_K``, ``(N, n)``: what the decoder will output (whitened).
    examined : numpy.ndarray
        Points whose direction the search drew, per block: its cost.
    """

    index: np.ndarray
    sample: np.ndarray
    examined: np.ndarray


def encode(mean: np.ndarray, scale: float, keys: np.ndarray) -> Encoded:
    """Sample ``N(mean_i, scale² I_n)`` against ``Q = N(0, I_n)`` for every row ``i``.

    Parameters
    ----------
    mean : numpy.ndarray
        ``m``, ``(N, n)``: the target's mean in the decoder's whitened coordinates.
    scale : float
        ``σ = s_enc / s_dec ∈ (0, 1]`` (``1`` only with ``m = 0``).
    keys : numpy.ndarray
        ``(N,)`` uint64 block keys (:func:`seqrdp.theory.common_randomness.block_keys`).

    Returns
    -------
    Encoded
    """
    mean = np.atleast_2d(np.asarray(mean, dtype=float))
    keys = np.asarray(keys, dtype=np.uint64)
    count, block = mean.shape
    sh = shells(block)
    check_bounded(mean, scale)
    search = _Search(mean, scale, keys, sh)
    first = process.first_times(keys, sh)
    searched = first.copy()  # no point lies below a shell's first
    pending = np.arange(count)
    budget = 0.0  # log B
    while len(pending):
        reach = np.exp(budget + search.log_sup[pending]) * sh.mass
        rows, shell = np.nonzero(reach > searched[pending])
        lo, hi = searched[pending[rows], shell], reach[rows, shell]
        for owner, start, stop in process.pieces(lo, hi):
            who, which = pending[rows[owner]], shell[owner]
            found = process.points(keys[who], which, first[who, which], start, stop)
            search.improve(who[found.owner], which[found.owner], found)
        searched[pending[rows], shell] = hi
        pending = pending[search.best[pending] > budget]
        budget += math.log(2.0)
    index = process.count_before(keys, search.winner_time, search.winner, sh, first) + 1
    return Encoded(index, process.locations(keys, search.winner, block), search.examined)


class _Search:
    """The running minimum of ``log T − log r(Z)`` per block, and the point that holds it."""

    def __init__(self, mean: np.ndarray, scale: float, keys: np.ndarray, sh: Shells) -> None:
        var = scale * scale
        self.mean, self.var, self.keys, self.sh = mean, var, keys, sh
        self.alpha = (1.0 - var) / var
        norm = np.sqrt(np.einsum("ij,ij->i", mean, mean))
        self.offset = -sh.block * math.log(scale) - 0.5 * norm**2 / var
        if self.alpha > 0:
            peak = np.clip((norm / (1.0 - var))[:, None], sh.radius_lo, sh.radius_hi)
            self.log_sup = self._log_r(self.offset[:, None], peak, (norm / var)[:, None])
        else:  # r ≡ 1
            self.log_sup = np.zeros((len(keys), len(sh.mass)))
        self.best = np.full(len(keys), np.inf)
        self.winner = np.zeros((len(keys), 3), dtype=np.int64)  # shell, window, slot
        self.winner_time = np.zeros(len(keys))
        self.examined = np.zeros(len(keys), dtype=np.int64)

    def _log_r(self, offset, radius, projection):
        """``log r`` at radius ``ρ`` where ``u·m/σ² = projection``."""
        return offset + radius * projection - 0.5 * self.alpha * radius**2

    def improve(self, row: np.ndarray, shell: np.ndarray, found: Points) -> None:
        """Offer the points ``found`` (of blocks ``row``, in shells ``shell``) to the minimum."""
        sh = self.sh
        time = found.time / sh.mass[shell]
        value_floor = np.log(time) - self.log_sup[row, shell]
        keep = np.flatnonzero(value_floor < self.best[row])
        row, shell, time = row[keep], shell[keep], time[keep]
        window, slot = found.window[keep], found.slot[keep]
        u = process.directions(self.keys[row], shell, window, slot, sh.block)
        projection = np.einsum("ij,ij->i", u, self.mean[row]) / self.var
        np.add.at(self.examined, row, 1)
        lo, hi = sh.radius_lo[shell], sh.radius_hi[shell]
        peak = np.clip(projection / self.alpha, lo, hi) if self.alpha > 0 else lo
        bound = np.log(time) - self._log_r(self.offset[row], peak, projection)
        # Each block's most promising point first: its value usually settles the rest.
        order = np.lexsort((bound, row))
        lead = np.zeros(len(row), bool)
        lead[order[np.r_[True, row[order][1:] != row[order][:-1]]] if len(row) else []] = True
        for pick in (np.flatnonzero(lead), np.flatnonzero(~lead)):
            pick = pick[bound[pick] < self.best[row[pick]]]
            r, s, w, k = row[pick], shell[pick], window[pick], slot[pick]
            radius = process.radii(self.keys[r], s, w, k, sh.block)
            value = np.log(time[pick]) - self._log_r(self.offset[r], radius, projection[pick])
            self._update(r, value, np.stack([s, w, k], axis=1), time[pick])

    def _update(self, row, value, name, time) -> None:
        """Keep each block's smallest value."""
        order = np.lexsort((value, row))
        if not len(order):
            return
        first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
        first = first[value[first] < self.best[row[first]]]
        self.best[row[first]] = value[first]
        self.winner[row[first]] = name[first]
        self.winner_time[row[first]] = time[first]


def decode(index: np.ndarray, keys: np.ndarray, block: int) -> np.ndarray:
    """``Z_K`` for every block: the point of rank ``K`` in the merged time order.

    Parameters
    ----------
    index : numpy.ndarray
        ``K ≥ 1`` per block.
    keys : numpy.ndarray
        The block keys the encoder used.
    block : int
        ``n``.

    Returns
    -------
    numpy.ndarray
        ``(N, n)``, whitened (the decoder adds its mean and scale).
    """
    index = np.asarray(index, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.uint64)
    sh = shells(block)
    if np.any(index < 1):
        raise UsageError("a one-shot index must be >= 1")
    return process.locations(keys, process.nth(keys, index, sh), block)
