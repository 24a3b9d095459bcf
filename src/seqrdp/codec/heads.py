"""Perception heads: decoders that turn the same bits into realistic frames for one PLF.

A head for PLF ``p`` outputs ``X̂_t = clamp(x̃_t + g(ŷ_t, w_t, x̃_t [, h_t]), 0, 1)`` (a
correction of the MMSE frame, bounded to [0, 1] with a straight-through gradient) from

* ``ŷ_t`` — the dequantised latents of frame ``t`` (I-frame latent, or motion and residual);
* ``w_t`` — decoder noise, shared randomness with purpose ``noise/<p>`` (realism at low rate
  needs a random decoder: Zhang et al., NeurIPS 2021);
* ``x̃_t`` — the MMSE reconstruction (the ``mse`` head), which encoder and decoder share;
* ``h_t`` — only for heads with history (``jd``, ``sa``): the head's own previous output
  ``X̂_{t−1}`` moved onto frame ``t`` (``history_align``: warped by frame ``t``'s scale-space
  field, or translated onto the MMSE frame's centre of mass), zeros at ``t = 1``. Aligning the
  past output with the present makes keeping a decision of frame 1 (error permanence) a
  local copy for the network. A head in ``history_base`` goes further: its P-frames correct
  ``h_t`` instead of ``x̃_t`` (``X̂_t = clamp(h_t + g(…))``), so it starts by keeping frame 1's
  decision and learns where to depart from it.

Each head has a P-frame decoder shared by all ``t ≥ 2``, starting near the MMSE frame (a small
final layer). Frame 1 is decoded either by a head's own decoder of the same kind
(``iframe_head = "refine"``) or by a :class:`~seqrdp.codec.networks.Generator` that the codec
shares between all heads (``"generator"``), drawing frame 1 from the latent, noise and the
MMSE frame: at a few bits the MMSE frame 1 is a blob, and a correction of a blob stays a blob;
and at frame 1 every PLF asks the same (``P(X̂_1) = P(X_1)``), so one decoder serves them all.
"""

from __future__ import annotations

import torch
from torch import nn

from seqrdp.codec.config import CodecConfig
from seqrdp.codec.networks import ConditionalDecoder, clamp_straight_through, shrink_


class PerceptionHead(nn.Module):
    """The I-frame and P-frame decoders of one PLF.

    Parameters
    ----------
    config
        Codec configuration (latent sizes, noise dimensions, widths).
    history
        Whether the head sees its own previous output.
    base_history
        Whether its P-frames correct that moved past output rather than the MMSE frame.
    """

    def __init__(self, config: CodecConfig, history: bool, base_history: bool = False) -> None:
        super().__init__()
        if base_history and not history:
            raise ValueError("a head can only correct its past output if it sees it")
        self.base_history = base_history
        c, width, size = config.channels, config.width, config.size
        self.history = history
        cond = c * (2 if history else 1)
        pframe_dims = config.motion_dims + config.residual_dims
        # With a generator, frame 1 is decoded by the codec's shared generator instead.
        self.iframe = None
        if config.iframe_head == "refine":
            self.iframe = ConditionalDecoder(
                config.iframe_dims + config.noise_dims, cond, c, width, size
            )
            shrink_(self.iframe.out)
        self.pframe = ConditionalDecoder(pframe_dims + config.noise_dims, cond, c, width, size)
        shrink_(self.pframe.out)

    def forward(
        self,
        t: int,
        latent: torch.Tensor,
        noise: torch.Tensor,
        mmse: torch.Tensor,
        history: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Output frame ``X̂_t`` (N, C, H, W) in [0, 1] for frame ``t`` (1-based)."""
        vector = torch.cat([latent, noise], dim=1)
        images = [mmse]
        if self.history:
            assert history is not None, "this head needs its previous output"
            images.append(history)
        decoder = self.pframe if t > 1 else self.iframe
        assert decoder is not None, "frame 1 is drawn by the codec's shared generator"
        correction = decoder(vector, torch.cat(images, dim=1))
        base = history if self.base_history and t > 1 else mmse
        return clamp_straight_through(base + correction)
