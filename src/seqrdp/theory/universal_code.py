"""Universal codes for the positive integers: the one-shot codes' index on the wire.

**Exp-Golomb of order k** (Teuhola 1978; the ``ue(v)`` code of H.264 is order 0) writes
``K ≥ 1`` as ``v = K − 1 + 2^k`` in binary, ``L = ⌊log2 v⌋ + 1`` bits, preceded by
``L − 1 − k`` zeros: ``2L − 1 − k`` bits in all. Order 0 is the **Elias gamma** code of ``K``
(``2⌊log2 K⌋ + 1`` bits). The order is a parameter both ends know: for a one-shot index with
``log2 K`` near ``I`` bits, order ``k ≈ I`` costs about ``I + 1 + 2·E(log2 K − k)⁺`` bits,
where Elias gamma costs ``2I + 1`` and Elias delta ``I + 2 log2(I + 1) + 1``
(:mod:`seqrdp.theory.oneshot`).

A reader refuses a codeword whose prefix says ``K ≥ 2^limit``, and a stream that ends inside a
codeword, with :class:`~seqrdp.errors.UsageError`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from seqrdp.errors import UsageError


def exp_golomb_length(index: ArrayLike, order: int) -> np.ndarray:
    """Codeword length ``2⌊log2(K − 1 + 2^k)⌋ + 1 − k`` in bits, for ``K ≥ 1`` (vectorised)."""
    v = np.asarray(index, dtype=np.int64) - 1 + (1 << order)
    bits = np.frexp(v.astype(np.float64))[1]  # ⌊log2 v⌋ + 1, exact for v < 2^53
    return 2 * bits - 1 - order


def exp_golomb(index: int, order: int) -> str:
    """The codeword of ``K = index ≥ 1`` as a string of ``'0'``/``'1'``."""
    if index < 1:
        raise ValueError(f"Exp-Golomb codes integers >= 1, got {index}")
    v = index - 1 + (1 << order)
    return "0" * (v.bit_length() - 1 - order) + format(v, "b")


class BitReader:
    """Reads codewords from a bit string (``'0'``/``'1'``), front to back."""

    def __init__(self, bits: str) -> None:
        self.bits = bits
        self.position = 0

    def exp_golomb(self, order: int, limit: int) -> int:
        """The next Exp-Golomb codeword of order ``order``; ``K < 2^limit`` or UsageError."""
        start = self.position
        end = self.bits.find("1", start)
        if end < 0:
            raise UsageError(f"the stream ends inside the codeword starting at bit {start}")
        zeros = end - start
        if zeros > limit:  # K ≥ 2^zeros > 2^limit
            raise UsageError(
                f"corrupt index at bit {start}: {zeros} leading zeros, but this code's indices "
                f"stay below 2^{limit}"
            )
        length = zeros + 1 + order
        if end + length > len(self.bits):
            raise UsageError(f"the stream ends inside the codeword starting at bit {start}")
        index = int(self.bits[end : end + length], 2) + 1 - (1 << order)
        if index >= 1 << limit:
            raise UsageError(f"corrupt index at bit {start}: {index} >= 2^{limit}")
        self.position = end + length
        return index

    def at_end(self) -> bool:
        """Whether every bit has been read."""
        return self.position == len(self.bits)


def pack(bits: str) -> bytes:
    """Bits to bytes, most significant first, the last byte padded with zeros."""
    padded = bits + "0" * (-len(bits) % 8)
    return int(padded, 2).to_bytes(len(padded) // 8, "big") if padded else b""


def unpack(data: bytes) -> str:
    """Bytes to bits (all of them, padding included)."""
    return "".join(format(byte, "08b") for byte in data)
