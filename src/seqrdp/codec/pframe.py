"""The P-frame model (frames 2..T): scale-space-flow motion compensation plus a residual
(Agustsson et al., CVPR 2020, Fig. 2).

Given the reference ``r`` (the previous reconstruction of the reference head):

1. motion encoder ``(x_t, r) → y_m``; flow decoder ``(ŷ_m, r) → (flow_x, flow_y, scale)``;
2. prediction ``p = warp(r, field)`` in Gaussian scale space;
3. residual encoder ``(x_t, p) → y_r``; residual decoder ``(ŷ_r, p) → x̃_t = p + residual``.

Both decoders are conditioned on images the decoder already has (``r`` and ``p``), so the
latents only carry what those images do not.
"""

from __future__ import annotations

import torch
from torch import nn

from seqrdp.codec.config import CodecConfig
from seqrdp.codec.networks import ConditionalDecoder, Encoder, clamp_straight_through, shrink_
from seqrdp.codec.scale_space import scale_space_warp

# Start near a sharp copy of the reference: scale = sigmoid(−4) ≈ 0.02.
_INITIAL_SCALE_LOGIT = -4.0


class PFrameModel(nn.Module):
    """Inter coding of frames 2..T relative to a reference frame (shared over t ≥ 2)."""

    def __init__(self, config: CodecConfig) -> None:
        super().__init__()
        c, width, size = config.channels, config.width, config.size
        self.scale_levels = config.scale_levels
        self.scale_sigma = config.scale_sigma
        self.motion_encoder = Encoder(2 * c, config.motion_dims, width, size)
        self.flow_decoder = ConditionalDecoder(config.motion_dims, c, 3, width, size)
        self.residual_encoder = Encoder(2 * c, config.residual_dims, width, size)
        self.residual_decoder = ConditionalDecoder(config.residual_dims, c, c, width, size)
        # Near-zero field and residual at initialisation, so the prediction starts as the
        # reference; not exactly zero, which would block the encoders' first gradients.
        shrink_(self.flow_decoder.out)
        shrink_(self.residual_decoder.out)
        with torch.no_grad():
            self.flow_decoder.out.bias[2] = _INITIAL_SCALE_LOGIT

    def encode_motion(self, frame: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        """(x_t, reference) → motion latent (N, motion_dims) in [−1, 1]."""
        return self.motion_encoder(torch.cat([frame, reference], dim=1))

    def decode_field(self, motion: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        """Dequantised motion latent → field (N, 3, H, W): flow in pixels, scale in (0, 1)."""
        raw = self.flow_decoder(motion, reference)
        return torch.cat([raw[:, :2], torch.sigmoid(raw[:, 2:])], dim=1)

    def predict(self, reference: torch.Tensor, field: torch.Tensor) -> torch.Tensor:
        """Warp ``reference`` (or any frame aligned with it) by the scale-space ``field``."""
        return scale_space_warp(reference, field, self.scale_levels, self.scale_sigma)

    def encode_residual(self, frame: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
        """(x_t, prediction) → residual latent (N, residual_dims) in [−1, 1]."""
        return self.residual_encoder(torch.cat([frame, prediction], dim=1))

    def decode_residual(self, residual: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
        """Dequantised residual latent → MMSE reconstruction ``x̃_t`` in [0, 1]."""
        return clamp_straight_through(prediction + self.residual_decoder(residual, prediction))
