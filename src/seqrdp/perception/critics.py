"""Wasserstein critics over stacks of frames (WGAN-GP; Gulrajani et al., *Improved Training
of Wasserstein GANs*, NeurIPS 2017).

A critic ``f`` with ``‖∇f‖ ≈ 1`` estimates the 1-Wasserstein distance between the real and
fake distributions of a PLF as ``E f(real) − E f(fake)`` (Kantorovich–Rubinstein duality); the
gradient penalty keeps ``f`` near 1-Lipschitz (or spectral normalisation, for the hinge
loss). No batch normalisation: the penalty is
per-sample, and batch statistics would couple the samples.

A critic that scores one sample at a time cannot see that a generator draws the same thing for
every input (mode collapse). ``minibatch_std = G`` lets it see: before the last layer, the
standard deviation of the features over each group of ``G`` consecutive samples, averaged to one
number, joins every sample of the group as one more feature map (Karras et al., *Progressive
Growing of GANs*, ICLR 2018). The groups are consecutive, so a batch of real samples followed by
as many fake ones gives groups of one kind when ``G`` divides the number of each.
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
    minibatch_std
        Group size of the minibatch standard-deviation feature (0 = none); every batch the
        critic scores must then have a multiple of it samples.
    outputs
        Scores per stack: 1 (a critic, output (N,)) or more (N, outputs), e.g. the logits of
        the InfoGAN network that reads the frame-1 generator's categorical code back.
    """

    def __init__(
        self,
        frames: int,
        channels: int = 1,
        width: int = 32,
        size: int | tuple[int, int] = 64,
        spectral_norm: bool = False,
        minibatch_std: int = 0,
        outputs: int = 1,
    ) -> None:
        super().__init__()
        if outputs < 1:
            raise ValueError(f"outputs must be at least 1, got {outputs}")
        if minibatch_std < 0:
            raise ValueError(f"minibatch_std must be non-negative, got {minibatch_std}")
        self.minibatch_std = minibatch_std
        h, w = (size, size) if isinstance(size, int) else size
        if h % 16 or w % 16:
            raise ValueError(f"critic size {h}x{w} is not divisible by 16")
        layers: list[nn.Module] = []
        inputs = frames * channels
        for out in (width // 2, width, 2 * width, 2 * width):
            layers += [nn.Conv2d(inputs, out, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            inputs = out
        self.features = nn.Sequential(*layers)
        extra = 1 if minibatch_std else 0
        self.score = nn.Linear((inputs + extra) * (h // 16) * (w // 16), outputs)
        if spectral_norm:
            for layer in (*self.features, self.score):
                if isinstance(layer, nn.Conv2d | nn.Linear):
                    parametrizations.spectral_norm(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.features(x)
        if self.minibatch_std:
            features = torch.cat([features, group_std(features, self.minibatch_std)], dim=1)
        scores = self.score(features.flatten(1))
        return scores.squeeze(1) if scores.shape[1] == 1 else scores


def group_std(features: torch.Tensor, group: int) -> torch.Tensor:
    """(N, C, H, W) → (N, 1, H, W): for each group of ``group`` consecutive samples, the
    standard deviation over the group (population, ``+1e-8`` inside the root) of every
    feature, averaged over features and positions, given to each sample of the group."""
    n = features.shape[0]
    if n % group:
        raise ValueError(f"a batch of {n} samples does not split into groups of {group}")
    grouped = features.reshape(n // group, group, *features.shape[1:])
    std = (grouped.var(dim=1, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # (N/G,)
    return std.repeat_interleave(group)[:, None, None, None].expand(n, 1, *features.shape[2:])


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
