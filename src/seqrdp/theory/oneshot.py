"""One-shot codes: the calculator's test channels as bits on a wire.

Frame ``j`` of a block of ``n`` i.i.d. samples is sent by a Poisson functional representation
(:mod:`seqrdp.theory.poisson_representation`): the encoder, which knows ``X^j`` and the
reconstructions ``X̂^{j−1}`` it has already sent, samples the calculator's encoder law
``X̂_j | X^j, X̂^{j−1}`` against the decoder's law ``X̂_j | X̂^{j−1}``
(:mod:`seqrdp.theory.channels`), and writes the index ``K`` with an Exp-Golomb code
(:mod:`seqrdp.theory.universal_code`). Encoder and decoder share only a seed: every random
number is a hash of ``(seed, sequence, frame, …)``. Because each frame's output is an exact
sample of its channel, the reconstructions have the calculator's joint law, so the measured
distortion and perception estimate the calculator's values, and each frame costs about the
block's information ``n·I_j`` plus ``log2(n·I_j + 1) + 5`` bits at most on average
(Li & El Gamal 2018).

The code's constants are derived from the channel, which both ends know: the Exp-Golomb
order ``max(⌊n·I_j⌋ − 1, 0)`` (``E log2 K`` sits just below ``n·I_j``; the code then spends
about ``n·I_j + 2`` bits where Elias delta spends ``n·I_j + 2 log2(n·I_j + 1) + 1``) and the
largest index, ``2^{⌈n·I_j⌉ + 24}`` (far beyond what a search finishes; a larger index is a
corrupt stream). One sequence's stream is
its frames' codewords back to back, zero-padded to a byte.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from seqrdp.errors import UsageError
from seqrdp.plfs import FMD, HEADS, JD, MMSE_HEAD, SA
from seqrdp.theory.channels import ChannelSolution, FrameChannel, frame_channels
from seqrdp.theory.common_randomness import block_keys
from seqrdp.theory.inputs import MODES, check_choices, check_perception, check_rates
from seqrdp.theory.poisson_representation import decode, encode
from seqrdp.theory.source import GaussMarkovSource
from seqrdp.theory.universal_code import BitReader, exp_golomb, exp_golomb_length, pack, unpack
from seqrdp.theory.wasserstein import gaussian_w2_squared

MAX_BLOCK_BITS = 24.0
"""Largest block information ``n·I_j`` (bits) a frame may carry: the search costs about
``2^{n·I_j}`` points and more (``docs/theory.md``)."""

_INDEX_HEADROOM = 24  # bits of index beyond ⌈n·I⌉ that a stream may use
_INTERVAL_DRAWS = 400  # Wishart draws behind each 95% sampling interval
_CHUNK = 1024  # sequences coded together (memory, and the progress bar's step)


def bound_bits(information: float) -> float:
    """Li and El Gamal's bound ``I + log2(I + 1) + 5`` on a one-shot code's mean length (bits)."""
    return information + math.log2(information + 1.0) + 5.0


@dataclass(frozen=True)
class FrameCode:
    """What both ends derive from frame ``j``'s channel for blocks of ``n`` samples."""

    channel: FrameChannel
    block: int

    @property
    def information(self) -> float:
        """``n·I_j``, bits per block."""
        return self.block * self.channel.information_bits

    @property
    def order(self) -> int:
        """Exp-Golomb order ``max(⌊n·I_j⌋ − 1, 0)``."""
        return max(math.floor(self.information) - 1, 0)

    @property
    def limit(self) -> int:
        """Indices stay below ``2^limit``."""
        return math.ceil(self.information) + _INDEX_HEADROOM

    @property
    def scale(self) -> float:
        """``σ = s_enc / s_dec`` (1 where the decoder needs nothing: ``s_dec = 0``)."""
        ch = self.channel
        return 1.0 if ch.decoder_var == 0.0 else math.sqrt(ch.encoder_var / ch.decoder_var)

    def whitened_mean(self, sources: np.ndarray, past: np.ndarray) -> np.ndarray:
        """``m = (μ_enc − μ_dec) / s_dec`` per sample, ``(N, n)`` (0 where ``s_dec = 0``)."""
        ch = self.channel
        if ch.decoder_var == 0.0:
            return np.zeros(sources.shape[:1] + sources.shape[2:])
        shift = _combine(sources, ch.source_weights) + _combine(past, ch.past_weights)
        return (shift - _combine(past, ch.decoder_weights)) / math.sqrt(ch.decoder_var)

    def output(self, past: np.ndarray, whitened: np.ndarray) -> np.ndarray:
        """The reconstruction ``X̂_j = μ_dec + s_dec · Z_K`` that both ends compute."""
        ch = self.channel
        return _combine(past, ch.decoder_weights) + math.sqrt(ch.decoder_var) * whitened


def _combine(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``Σ_i w_i values[:, i]`` over frames (``values``: ``(N, frames, n)``), in frame order."""
    out = np.zeros(values.shape[:1] + values.shape[2:])
    for i, w in enumerate(weights):
        out = out + w * values[:, i]
    return out


@dataclass(frozen=True)
class Encoding:
    """What :meth:`OneShotCode.encode` returns.

    Attributes
    ----------
    streams : list of bytes
        One per sequence.
    reconstructions : numpy.ndarray
        ``(N, F, n)``: what the decoder will output.
    bits : numpy.ndarray
        ``(N, F)`` codeword lengths, bits per block.
    examined : numpy.ndarray
        ``(N, F)`` points the encoder's search drew.
    """

    streams: list[bytes]
    reconstructions: np.ndarray
    bits: np.ndarray
    examined: np.ndarray


class OneShotCode:
    """The one-shot code of one PLF's channels for blocks of ``block`` samples, seed ``seed``.

    Parameters
    ----------
    channels : ChannelSolution
        From :func:`seqrdp.theory.channels.frame_channels`; the code covers the feasible
        frames.
    block : int
        ``n`` (samples per block).
    seed : int
        The shared seed, ``0 ≤ seed < 2^64``.
    """

    def __init__(self, channels: ChannelSolution, block: int, seed: int) -> None:
        self.frames = [FrameCode(ch, block) for ch in channels.frames if ch is not None]
        self.block, self.seed = block, seed
        for frame in self.frames:
            if frame.information > MAX_BLOCK_BITS:
                raise UsageError(
                    f"frame {frame.channel.frame}: a block of {block} carries "
                    f"{frame.information:.1f} bits (I = {frame.channel.information_bits:.3g} "
                    f"bits/sample); the sampler's cost grows as 2^(bits), so keep "
                    f"--block x rate within {MAX_BLOCK_BITS:g} bits"
                )

    def encode(self, sources: np.ndarray, sequences: np.ndarray) -> Encoding:
        """Code ``sources`` (``(N, T, n)``; ``sequences``: their ids in the seed's key)."""
        count = len(sources)
        out = np.zeros((count, len(self.frames), self.block))
        bits = np.zeros((count, len(self.frames)), dtype=np.int64)
        examined = np.zeros((count, len(self.frames)), dtype=np.int64)
        codewords = [[] for _ in range(count)]
        for j, frame in enumerate(self.frames):
            keys = block_keys(self.seed, sequences, j + 1)
            mean = frame.whitened_mean(sources[:, : j + 1], out[:, :j])
            coded = encode(mean, frame.scale, keys)
            if np.any(coded.index >= 1 << frame.limit):
                raise RuntimeError(f"frame {j + 1}: an index beyond 2^{frame.limit}")
            out[:, j] = frame.output(out[:, :j], coded.sample)
            bits[:, j] = exp_golomb_length(coded.index, frame.order)
            examined[:, j] = coded.examined
            for words, index in zip(codewords, coded.index, strict=True):
                words.append(exp_golomb(int(index), frame.order))
        streams = [pack("".join(words)) for words in codewords]
        return Encoding(streams, out, bits, examined)

    def indices(self, stream: bytes) -> list[int]:
        """Read one sequence's indices; :class:`~seqrdp.errors.UsageError` if it is corrupt."""
        reader = BitReader(unpack(stream))
        indices = [reader.exp_golomb(f.order, f.limit) for f in self.frames]
        rest = reader.bits[reader.position :]
        if len(rest) >= 8 or "1" in rest:
            raise UsageError(
                f"corrupt stream: {len(rest)} bits after the last frame's codeword "
                "(expected only zero padding to a byte)"
            )
        return indices

    def decode(self, streams: Sequence[bytes], sequences: np.ndarray) -> np.ndarray:
        """The decoder's reconstructions ``(N, F, n)`` from the streams alone."""
        indices = np.array([self.indices(s) for s in streams], dtype=np.int64)
        indices = indices.reshape(len(streams), len(self.frames))
        out = np.zeros((len(streams), len(self.frames), self.block))
        for j, frame in enumerate(self.frames):
            keys = block_keys(self.seed, sequences, j + 1)
            out[:, j] = frame.output(out[:, :j], decode(indices[:, j], keys, self.block))
        return out


def sample_sources(
    source: GaussMarkovSource, sequences: np.ndarray, block: int, seed: int
) -> np.ndarray:
    """``(N, T, n)`` samples of the source: sequence ``i`` from its own generator."""
    out = np.empty((len(sequences), source.frames, block))
    for row, sequence in enumerate(sequences):
        rng = np.random.default_rng([int(seed), int(sequence), 0x5EED])
        noise = rng.standard_normal((source.frames, block))
        x = math.sqrt(source.sigma2_1) * noise[0]
        out[row, 0] = x
        for j in range(1, source.frames):
            x = source.rho[j - 1] * x + math.sqrt(source.innovation_var[j - 1]) * noise[j]
            out[row, j] = x
    return out


def _compared(plf: str, frame: int, frames: int) -> tuple[list[int], list[int]] | None:
    """Indices into ``(X_1 … X_T, X̂_1 … X̂_F)`` of the two laws the PLF compares at ``frame``
    (:mod:`seqrdp.theory.plf`): reference, reconstructions. ``None`` for mse."""
    j, t = frame, frames
    if plf == MMSE_HEAD:
        return None
    if plf == FMD:
        return [j - 1], [t + j - 1]
    if plf == JD:
        return list(range(j)), list(range(t, t + j))
    if plf == SA:
        return [*range(t, t + j - 1), j - 1], list(range(t, t + j))
    raise ValueError(f"unknown PLF {plf!r}")


def _statistics(moments: np.ndarray, plf: str, frames: int, feasible: int):
    """Distortion and perception per frame from second moments ``E[v vᵀ]``."""
    distortion, perception = [], []
    for j in range(1, feasible + 1):
        x, y = j - 1, frames + j - 1
        distortion.append(float(moments[x, x] + moments[y, y] - 2.0 * moments[x, y]))
        compared = _compared(plf, j, frames)
        if compared is None:
            perception.append(None)
        else:
            a, b = compared
            perception.append(gaussian_w2_squared(moments[np.ix_(a, a)], moments[np.ix_(b, b)]))
    return distortion, perception


def sampling_intervals(
    cov: np.ndarray,
    samples: int,
    plf: str,
    frames: int,
    feasible: int,
    seed: int,
    coverage: float = 0.95,
) -> tuple[list[list[float]], list[list[float] | None]]:
    """Sampling intervals (``coverage``, central) of the measured distortion and perception if
    the simulated joint law were exactly the calculator's (``cov``), from ``samples`` i.i.d.
    vectors.

    The second-moment matrix of ``N`` i.i.d. ``N(0, Σ)`` vectors is ``Wishart(Σ, N)/N``,
    drawn by Bartlett's decomposition on a square-root factor of ``Σ`` (which may be
    singular); each draw gives the statistics, and the intervals are their quantiles.
    """
    values, vectors = np.linalg.eigh(cov)
    factor = vectors * np.sqrt(np.clip(values, 0.0, None))
    d = len(cov)
    rng = np.random.default_rng([int(seed), 0x1A7E])
    draws_d, draws_p = [], []
    for _ in range(_INTERVAL_DRAWS):
        a = np.tril(rng.standard_normal((d, d)), -1)
        a[np.diag_indices(d)] = np.sqrt(rng.chisquare(samples - np.arange(d)))
        moments = factor @ (a @ a.T) @ factor.T / samples
        dist, perc = _statistics(moments, plf, frames, feasible)
        draws_d.append(dist)
        draws_p.append([np.nan if p is None else p for p in perc])
    tails = [50.0 * (1.0 - coverage), 50.0 * (1.0 + coverage)]
    lo_d, hi_d = np.percentile(np.array(draws_d), tails, axis=0)
    lo_p, hi_p = np.percentile(np.array(draws_p), tails, axis=0)
    distortion = [[float(a), float(b)] for a, b in zip(lo_d, hi_d, strict=True)]
    perception = [
        None if plf == MMSE_HEAD else [float(a), float(b)] for a, b in zip(lo_p, hi_p, strict=True)
    ]
    return distortion, perception


def simulate(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float],
    plf: str,
    block: int,
    sequences: int,
    seed: int,
    advance: Callable[[int], None] | None = None,
) -> dict:
    """Code ``sequences`` sequences of blocks of ``block`` samples with ``plf``'s channels.

    Every sequence is encoded, decoded from its bytes alone, and checked to be bit-identical
    to the encoder's reconstruction; the statistics are the decoder's.

    Parameters
    ----------
    source, rates, perception, plf
        As for :func:`seqrdp.theory.calculator.distortion_per_frame`.
    block : int
        ``n``, samples per block (``≥ 1``).
    sequences : int
        ``M``, sequences (``≥ 2``).
    seed : int
        Shared seed; the sources are drawn from it too.
    advance : callable, optional
        Called with 1 after each chunk of sequences, for a progress bar.

    Returns
    -------
    dict
        Per-frame lists (one entry per frame, ``None`` past an infeasible frame):
        ``bits_mean``, ``bits_p95`` (bits per block), ``bound_bits``
        (``n·I + log2(n·I + 1) + 5``), ``information_bits`` (``n·I``), ``distortion``,
        ``perception`` (measured, per sample), ``calculator_distortion``,
        ``calculator_perception``, ``distortion_interval``, ``perception_interval`` (95%
        sampling intervals, :func:`sampling_intervals`), ``points_examined_mean`` (the
        search's cost per block) and ``decoded_exactly``.
    """
    check_choices(plf, HEADS, "--plf")
    if block < 1:
        raise UsageError(f"--block: give at least 1 sample per block, got {block}")
    if sequences < 2:
        raise UsageError(f"--sequences: give at least 2 sequences, got {sequences}")
    if not 0 <= seed < 1 << 64:
        raise UsageError(f"--seed: give an integer in [0, 2^64), got {seed}")
    rates = check_rates(rates, source.frames)
    budgets = check_perception(perception, source.frames)
    channels = frame_channels(source, rates, budgets, plf)
    code = OneShotCode(channels, block, seed)
    frames, feasible = source.frames, len(code.frames)
    width = frames + feasible
    moments = np.zeros((width, width))
    bits, examined = [], []
    exact = True
    for start in range(0, sequences, _CHUNK):
        ids = np.arange(start, min(start + _CHUNK, sequences))
        x = sample_sources(source, ids, block, seed)
        coded = code.encode(x, ids)
        decoded = code.decode(coded.streams, ids)
        exact &= bool(np.array_equal(decoded, coded.reconstructions))
        v = np.concatenate([x, decoded], axis=1).transpose(0, 2, 1).reshape(-1, width)
        moments += v.T @ v
        bits.append(coded.bits)
        examined.append(coded.examined)
        if advance is not None:
            advance(1)
    if not exact:
        raise RuntimeError("the decoder's reconstruction differs from the encoder's")
    samples = sequences * block
    distortion, measured = _statistics(moments / samples, plf, frames, feasible)
    bits_all = np.concatenate(bits)
    d_int, p_int = sampling_intervals(channels.joint_cov, samples, plf, frames, feasible, seed)
    missing = [None] * (frames - feasible)
    info = [f.information for f in code.frames]
    return {
        "bits_mean": bits_all.mean(axis=0).tolist() + missing,
        "bits_p95": np.percentile(bits_all, 95, axis=0).tolist() + missing,
        "bound_bits": [bound_bits(i) for i in info] + missing,
        "information_bits": info + missing,
        "distortion": distortion + missing,
        "perception": measured + missing,
        "calculator_distortion": [f.channel.distortion for f in code.frames] + missing,
        "calculator_perception": [f.channel.perception for f in code.frames] + missing,
        "distortion_interval": d_int + missing,
        "perception_interval": p_int + missing,
        "points_examined_mean": np.concatenate(examined).mean(axis=0).tolist() + missing,
        "decoded_exactly": exact,
    }


def oneshot_table(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float],
    plfs: Sequence[str],
    modes: Sequence[str],
    block: int,
    sequences: int,
    seed: int,
    advance: Callable[[int], None] | None = None,
) -> list[dict]:
    """One row per ``(plf, mode)``: ``{"plf", "mode", **simulate(...)}``.

    Both modes have the same channels (:mod:`seqrdp.theory.calculator`), so they share one
    simulation; each row still says its mode.
    """
    plfs = check_choices(plfs, HEADS, "--plf")
    modes = check_choices(modes, MODES, "--mode")
    rows = []
    for plf in plfs:
        result = simulate(source, rates, perception, plf, block, sequences, seed, advance)
        rows.extend({"plf": plf, "mode": mode, **result} for mode in modes)
    return rows


def steps(plfs: int, sequences: int) -> int:
    """Progress steps of :func:`oneshot_table`: sequence chunks × PLFs."""
    return plfs * math.ceil(sequences / _CHUNK)


def oneshot_result(
    rates: Sequence[float],
    rho: Sequence[float],
    sigma1: float = 1.0,
    innovation_var: Sequence[float] | None = None,
    perception: Sequence[float] = (0.0,),
    plfs: Sequence[str] = HEADS,
    modes: Sequence[str] = MODES,
    block: int = 1,
    sequences: int = 10_000,
    seed: int = 0,
    advance: Callable[[int], None] | None = None,
) -> dict:
    """The ``seqrdp theory oneshot --json`` object (``inf`` still as a float)."""
    source = GaussMarkovSource(rho, sigma2_1=sigma1, innovation_var=innovation_var)
    budgets = check_perception(perception, source.frames)
    rows = oneshot_table(source, rates, budgets, plfs, modes, block, sequences, seed, advance)
    return {
        "source": {"rho": list(source.rho), "sigma2": source.sigma2.tolist()},
        "rates": [float(r) for r in rates],
        "perception": budgets.tolist(),
        "block": block,
        "sequences": sequences,
        "seed": seed,
        "results": rows,
    }


def format_result(result: dict) -> str:
    """A readable table of :func:`oneshot_result`, one block of lines per (plf, mode)."""

    def cell(value, interval=None) -> str:
        if value is None:
            return "-"
        if interval is None:
            return f"{value:.4f}"
        return f"{value:.4f} [{interval[0]:.4f}, {interval[1]:.4f}]"

    n = result["block"]
    lines = [
        f"one-shot codes: {result['sequences']} sequences, blocks of n = {n} samples, "
        f"seed {result['seed']}; rates (bits/sample): "
        + ", ".join(f"{r:g}" for r in result["rates"]),
        "bits per block: measured mean and 95th percentile, the information n*I and the "
        "bound n*I + log2(n*I + 1) + 5; distortion and perception (squared W2) per sample: "
        "measured [95% sampling interval under the calculator's law] and the calculator's",
    ]
    for row in result["results"]:
        lines += ["", f"{row['plf']} ({row['mode']})"]
        lines.append(
            f"{'frame':>5} {'bits':>7} {'p95':>5} {'n*I':>7} {'bound':>7}  "
            f"{'distortion [interval]':>33} {'calc.':>7}  "
            f"{'perception [interval]':>33} {'calc.':>7}"
        )
        for j, bits in enumerate(row["bits_mean"]):
            if bits is None:
                lines.append(f"{j + 1:>5}  infeasible (jd budget below what earlier frames spent)")
                continue
            lines.append(
                f"{j + 1:>5} {bits:>7.3f} {row['bits_p95'][j]:>5.0f} "
                f"{row['information_bits'][j]:>7.3f} {row['bound_bits'][j]:>7.3f}  "
                f"{cell(row['distortion'][j], row['distortion_interval'][j]):>33} "
                f"{cell(row['calculator_distortion'][j]):>7}  "
                f"{cell(row['perception'][j], row['perception_interval'][j]):>33} "
                f"{cell(row['calculator_perception'][j]):>7}"
            )
    return "\n".join(lines)
