"""Wasserstein critics over stacks of vector frames (WGAN-GP, as
:mod:`seqrdp.perception.critics`), for the vector codec.

A critic sees what :func:`~seqrdp.perception.plf.critic_inputs` gives it, (N, k·d, 1, 1) for
``k`` frames of ``d`` samples, flattened to (N, k·d). No normalisation layers, for the same
reason as the convolutional critics: the gradient penalty is per sample.
"""

from __future__ import annotations

import torch
from torch import nn


class VectorCritic(nn.Module):
    """Scores stacks of vector frames (N, inputs, 1, 1) → (N,) with a three-layer perceptron.

    Parameters
    ----------
    inputs
        Samples in a stack: ``critic_frames(plf, t) · d``.
    width
        Hidden units of both hidden layers.
    spectral_norm
        Spectrally normalise every layer (Miyato et al. 2018), for the hinge loss.
    """

    def __init__(self, inputs: int, width: int = 256, spectral_norm: bool = False) -> None:
        super().__init__()
        layers = [nn.Linear(inputs, width), nn.Linear(width, width), nn.Linear(width, 1)]
        if spectral_norm:
            layers = [nn.utils.parametrizations.spectral_norm(layer) for layer in layers]
        self.score = nn.Sequential(
            layers[0], nn.LeakyReLU(0.2), layers[1], nn.LeakyReLU(0.2), layers[2]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(x.flatten(1)).squeeze(1)
