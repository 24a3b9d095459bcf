"""Shared randomness: numbers that encoder and decoder draw identically from a seed.

The codec's dither and its decoder noise are *common randomness* (docs/codec.md, "Shared
randomness"). They must come out bit-identical on any machine, in any batch order and for any
batch composition, so they are not drawn from a stateful generator but computed by a
counter-based hash of the key

    (seed, frame, purpose, element index)

with SplitMix64 (Steele, Lea, Flood, *Fast splittable pseudorandom number generators*,
OOPSLA 2014) in NumPy ``uint64`` arithmetic. Each sequence of a batch has its own seed, so
sequence ``i``'s numbers do not depend on which other sequences share its batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.special import ndtri

_MASK = (1 << 64) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijection on uint64 with full avalanche."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def _purpose_code(purpose: str) -> int:
    """FNV-1a (64 bit) of the UTF-8 purpose: a stable integer for a name on every platform."""
    code = 0xCBF29CE484222325
    for byte in purpose.encode("utf-8"):
        code = ((code ^ byte) * 0x100000001B3) & _MASK
    return code


def shared_bits(seeds: Sequence[int], frame: int, purpose: str, shape: Sequence[int]) -> np.ndarray:
    """Raw 64-bit words for every sequence: ``(len(seeds), *shape)`` ``uint64``.

    Word ``[i, e]`` (``e`` the flat element index) is
    ``mix(mix(mix(mix(seed_i) ^ frame) ^ code(purpose)) + (e + 1)·γ)`` with γ the golden-ratio
    increment of SplitMix64, so every key component changes every word.
    """
    codes = []
    for seed in seeds:
        seed = int(seed)
        if not 0 <= seed <= _MASK:
            raise ValueError(f"seed {seed} is outside [0, 2**64)")
        codes.append(seed)
    if int(frame) < 0:
        raise ValueError(f"frame {frame} is negative")
    shape = tuple(int(s) for s in shape)
    count = int(np.prod(shape, dtype=np.int64))
    key = _mix(np.array(codes, dtype=np.uint64))
    key = _mix(key ^ np.uint64(int(frame)))
    key = _mix(key ^ np.uint64(_purpose_code(purpose)))
    index = np.arange(1, count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        words = _mix(key[:, None] + index[None, :] * _GOLDEN)
    return words.reshape((len(codes), *shape))


def shared_uniform(
    seeds: Sequence[int],
    frame: int,
    purpose: str,
    shape: Sequence[int],
    *,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Uniform numbers on the open interval (0, 1), one block of ``shape`` per seed.

    ``u = (⌊w / 2^41⌋ + 1/2) · 2^-23`` from the top 23 bits of each word ``w``: exactly
    representable in float32, never 0 or 1.

    Returns
    -------
    Tensor
        float32, shape ``(len(seeds), *shape)``.
    """
    words = shared_bits(seeds, frame, purpose, shape)
    values = ((words >> np.uint64(41)).astype(np.float64) + 0.5) * 2.0**-23
    return torch.from_numpy(values.astype(np.float32)).to(device)


def shared_normal(
    seeds: Sequence[int],
    frame: int,
    purpose: str,
    shape: Sequence[int],
    *,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Standard normal numbers ``Φ⁻¹(u)``, ``u`` a 53-bit uniform on (0, 1) from each word.

    Returns
    -------
    Tensor
        float32, shape ``(len(seeds), *shape)``.
    """
    words = shared_bits(seeds, frame, purpose, shape)
    uniform = ((words >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return torch.from_numpy(ndtri(uniform).astype(np.float32)).to(device)


class SharedRandomness:
    """The codec's source of dither and decoder noise when encoder and decoder share seeds."""

    def __init__(self, seeds: Sequence[int], device: torch.device | str | None = None) -> None:
        self.seeds = [int(s) for s in seeds]
        self.device = device

    def uniform(self, frame: int, purpose: str, shape: Sequence[int]) -> torch.Tensor:
        return shared_uniform(self.seeds, frame, purpose, shape, device=self.device)

    def normal(self, frame: int, purpose: str, shape: Sequence[int]) -> torch.Tensor:
        return shared_normal(self.seeds, frame, purpose, shape, device=self.device)


class LocalRandomness:
    """Draws from torch's global generator (training: fresh dither and noise every step)."""

    def __init__(self, batch: int, device: torch.device | str | None = None) -> None:
        self.batch = batch
        self.device = device

    def uniform(self, frame: int, purpose: str, shape: Sequence[int]) -> torch.Tensor:
        return torch.rand((self.batch, *shape), device=self.device)

    def normal(self, frame: int, purpose: str, shape: Sequence[int]) -> torch.Tensor:
        return torch.randn((self.batch, *shape), device=self.device)
