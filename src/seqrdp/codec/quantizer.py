"""Fixed-rate dithered quantisation of bounded latents (docs/codec.md, "Rate").

A latent ``y ∈ [−1, 1]`` (an encoder output after ``tanh``) is quantised to ``L`` uniform
levels ``−1 + kΔ``, ``Δ = 2/(L − 1)``, with a *subtractive dither* ``u ~ U(−Δ/2, Δ/2)`` that
encoder and decoder draw from their shared seed (Ziv 1985; universal quantisation):

    k = clamp(round((y + u + 1)/Δ), 0, L − 1),        ŷ = −1 + kΔ − u.

For ``y ∈ [−1, 1]`` the clamp never binds, so ``|ŷ − y| ≤ Δ/2``. Every dimension costs
exactly ``log2 L`` bits (``L`` a power of two, so symbols pack into whole bits): the rate of a
latent with ``dims`` dimensions is ``dims · log2 L`` bits, whatever the data.
"""

from __future__ import annotations

import math

import torch


class DitheredQuantizer:
    """Uniform ``levels``-level quantiser on [−1, 1] with subtractive dither.

    Parameters
    ----------
    levels
        Number of levels ``L``; a power of two ≥ 2.
    """

    def __init__(self, levels: int) -> None:
        if levels < 2 or levels & (levels - 1):
            raise ValueError(f"levels must be a power of two >= 2, got {levels}")
        self.levels = int(levels)

    @property
    def step(self) -> float:
        """Quantisation step ``Δ = 2/(L − 1)``."""
        return 2.0 / (self.levels - 1)

    @property
    def bits_per_dim(self) -> int:
        """Bits per latent dimension, ``log2 L``."""
        return int(math.log2(self.levels))

    def rate_bits(self, dims: int) -> int:
        """Exact rate of a ``dims``-dimensional latent: ``dims · log2 L`` bits."""
        return dims * self.bits_per_dim

    def dither(self, uniform: torch.Tensor) -> torch.Tensor:
        """Map uniforms on (0, 1) to the dither ``u = (uniform − 1/2)·Δ``."""
        return (uniform - 0.5) * self.step

    def symbols(self, latent: torch.Tensor, dither: torch.Tensor) -> torch.Tensor:
        """Integer symbols ``k ∈ {0, …, L − 1}`` (int64) sent for ``latent``."""
        index = torch.round((latent.detach() + dither + 1.0) / self.step)
        return index.clamp(0, self.levels - 1).to(torch.int64)

    def dequantize(self, symbols: torch.Tensor, dither: torch.Tensor) -> torch.Tensor:
        """Decoder reconstruction ``ŷ = −1 + kΔ − u`` (float, like ``dither``)."""
        return (symbols.to(dither.dtype) * self.step - 1.0) - dither

    def __call__(
        self, latent: torch.Tensor, dither: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Quantise with a straight-through gradient.

        Returns ``(ŷ, k)``. The value of ``ŷ`` is exactly :meth:`dequantize` of ``k`` (the
        decoder's value, bit for bit); its gradient with respect to ``latent`` is the identity
        (Bengio et al. 2013), since ``latent − latent.detach()`` is an exact zero that carries
        the gradient.
        """
        symbols = self.symbols(latent, dither)
        value = self.dequantize(symbols, dither)
        return value + (latent - latent.detach()), symbols
