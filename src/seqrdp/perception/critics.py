"""Wasserstein critics over stacks of frames (WGAN-GP; Gulrajani et al., *Improved Training
of Wasserstein GANs*, NeurIPS 2017).

A critic ``f`` with ``‖∇f‖ ≈ 1`` estimates the 1-Wasserstein distance between the real and
fake distributions of a PLF as ``E f(real) − E f(fake)`` (Kantorovich–Rubinstein duality); the
gradient penalty keeps ``f`` near 1-Lipschitz (or spectral normalisation, for the hinge
loss). No batch normalisation: the penalty is
per-sample, and batch statistics would couple the samples.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrizations


class Critic(nn.Module):
    """Scores a stack of frames (N, frames·channels, H, W) → (N,).

    Parameters
    ----------
    frames
        Frames in the stack (``critic_frames(plf, t)``).
    channels
        Channels per frame.
    width
        Channels of the first layer; doubles down to ``H/16 × W/16``, capped at ``2·width``.
    size
        Frame height (and width when an int), divisible by 16.
    spectral_norm
        Normalise every layer's weight by its largest singular value (Miyato et al., ICLR
        2018): a 1-Lipschitz critic without a gradient penalty, for the hinge loss.
    """

    def __init__(
        self,
        frames: int,
        channels: int = 1,
        width: int = 32,
        size: int | tuple[int, int] = 64,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        h, w = (size, size) if isinstance(size, int) else size
        if h % 16 or w % 16:
            raise ValueError(f"critic size {h}x{w} is not divisible by 16")
        layers: list[nn.Module] = []
        inputs = frames * channels
        for out in (width // 2, width, 2 * width, 2 * width):
            layers += [nn.Conv2d(inputs, out, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            inputs = out
        self.features = nn.Sequential(*layers)
        self.score = nn.Linear(inputs * (h // 16) * (w // 16), 1)
        if spectral_norm:
            for layer in (*self.features, self.score):
                if isinstance(layer, nn.Conv2d | nn.Linear):
                    parametrizations.spectral_norm(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(self.features(x).flatten(1)).squeeze(1)


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP penalty ``E (‖∇f(x̃)‖₂ − 1)²`` at ``x̃ = εx + (1 − ε)x̂``, ``ε ~ U(0, 1)`` per
    sample (Gulrajani et al. 2017, Alg. 1).

    The gradient is taken over all of a sample's elements; the graph is kept so that the
    penalty trains the critic (``create_graph=True``). ``fake`` is detached.
    """
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()
