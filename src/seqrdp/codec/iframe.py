"""The I-frame model (frame 1): encoder ``x_1 → y_1`` and MMSE decoder ``ŷ_1 → x̃_1``."""

from __future__ import annotations

import torch
from torch import nn

from seqrdp.codec.config import CodecConfig
from seqrdp.codec.networks import ConditionalDecoder, Encoder, shrink_


class IFrameModel(nn.Module):
    """Intra coding of the first frame, trained for MSE (the ``mse`` head of frame 1)."""

    def __init__(self, config: CodecConfig) -> None:
        super().__init__()
        c, dims = config.channels, config.iframe_dims
        self.encoder = Encoder(c, dims, config.width, config.size)
        self.decoder = ConditionalDecoder(dims, 0, c, config.width, config.size)
        shrink_(self.decoder.out)  # start near black, the commonest pixel value

    def encode(self, frame: torch.Tensor) -> torch.Tensor:
        """Frame (N, C, H, W) in [0, 1] → latent (N, iframe_dims) in [−1, 1]."""
        return self.encoder(frame)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Dequantised latent → MMSE reconstruction ``x̃_1``: unbounded while training, clipped
        to [0, 1] in eval mode (what a decoder emits).

        Unbounded, because the MSE pulls an unbounded output back into range by itself (the
        bounded alternatives that were tried are in docs/training.md, "What was tried").
        """
        x = self.decoder(latent)
        return x if self.training else x.clamp(0.0, 1.0)
