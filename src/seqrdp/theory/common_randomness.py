"""Common randomness for the one-shot codes: numbers both ends compute from a shared seed.

A counter-based hash, not a stateful generator: word ``(key, f_1, f_2, …)`` is

    h ← key,   h ← mix(h + (f_i + 1)·γ) for each field f_i,

with ``mix`` the SplitMix64 finaliser and ``γ`` its golden-ratio increment (Steele, Lea, Flood,
*Fast splittable pseudorandom number generators*, OOPSLA 2014), in NumPy ``uint64``
arithmetic. Any number is computed on its own from its fields (which point of which stratum
of which frame of which sequence), so the decoder draws exactly the encoder's number without
replaying the encoder's search, and batching never changes a value.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijection on uint64 with full avalanche."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def hash_words(key: ArrayLike, *fields: ArrayLike) -> np.ndarray:
    """64-bit words for ``key`` and integer ``fields ≥ 0`` (broadcast together), as ``uint64``.

    A word is itself a key: ``hash_words(hash_words(k, a), b) == hash_words(k, a, b)``.
    """
    h = np.asarray(key, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for field in fields:
            h = _mix(h + (np.asarray(field).astype(np.uint64) + np.uint64(1)) * _GOLDEN)
    return h


def block_keys(seed: int, sequences: ArrayLike, frame: int) -> np.ndarray:
    """The key of each sequence's frame-``frame`` block: ``hash(seed, sequence, frame)``."""
    seed = int(seed)
    if not 0 <= seed <= _MASK:
        raise ValueError(f"seed {seed} is outside [0, 2**64)")
    return hash_words(_mix(np.uint64(seed)), np.asarray(sequences, dtype=np.int64), int(frame))


def uniform(words: np.ndarray) -> np.ndarray:
    """``(⌊w / 2^11⌋ + ½)·2^−53``: a float64 on the open interval (0, 1), never 0, ½ or 1."""
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def normal(words: np.ndarray) -> np.ndarray:
    """Standard normal ``Φ⁻¹(u)`` of :func:`uniform` (never exactly 0)."""
    return ndtri(uniform(words))
