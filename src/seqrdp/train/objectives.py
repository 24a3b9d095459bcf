"""The decoder loss and the critic loss; the PLF enters only through
:func:`~seqrdp.perception.plf.critic_inputs`.

For a head ``p`` with PLF critics ``f_{p,t}`` (one per frame ``t``), over clips of ``T``
frames:

    decoder:  λ_mse · (1/T) Σ_t MSE(X_t, X̂_t)  −  λ_perc · (1/T) Σ_t E f_{p,t}(fake_t)
    critic:   (1/T) Σ_t [ E f(fake_t) − E f(real_t) + λ_gp · GP(f, real_t, fake_t) ]

(Gulrajani et al. 2017). ``E f(real) − E f(fake)`` estimates the 1-Wasserstein distance, the
perception ``P_t`` of the PLF, and is logged as ``perception/<p>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from seqrdp.codec.model import MMSE_HEAD
from seqrdp.perception.critics import Critic, gradient_penalty
from seqrdp.perception.plf import critic_frames, critic_inputs


def critic_name(plf: str, t: int) -> str:
    """Key of the critic of ``plf`` at frame ``t`` (1-based)."""
    return f"{plf}_{t}"


def build_critics(
    plfs: Sequence[str], frames: int, channels: int, width: int, size: int
) -> nn.ModuleDict:
    """One :class:`~seqrdp.perception.critics.Critic` per (PLF, frame)."""
    return nn.ModuleDict(
        {
            critic_name(plf, t): Critic(critic_frames(plf, t), channels, width, size)
            for plf in plfs
            if plf != MMSE_HEAD
            for t in range(1, frames + 1)
        }
    )


def decoder_loss(
    source: torch.Tensor,
    reconstructions: Mapping[str, torch.Tensor],
    heads: Sequence[str],
    critics: nn.ModuleDict | None,
    lambda_mse: float,
    lambda_perc: float,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Loss of the decoders of ``heads`` (critic term when ``critics`` is given) and the logged
    values (``mse/<head>`` for every reconstruction, ``adversarial/<head>``)."""
    frames = source.shape[1]
    stats = {
        f"mse/{head}": float(((out.detach() - source) ** 2).mean())
        for head, out in reconstructions.items()
    }
    total = source.new_zeros(())
    for head in heads:
        output = reconstructions[head]
        total = total + lambda_mse * ((output - source) ** 2).mean()
        if critics is not None and head != MMSE_HEAD:
            scores = [
                critics[critic_name(head, t)](critic_inputs(head, source, output, t)[1]).mean()
                for t in range(1, frames + 1)
            ]
            adversarial = -torch.stack(scores).mean()
            stats[f"adversarial/{head}"] = float(adversarial.detach())
            total = total + lambda_perc * adversarial
    stats["loss/decoder"] = float(total.detach())
    return total, stats


def critic_loss(
    source: torch.Tensor,
    reconstructions: Mapping[str, torch.Tensor],
    heads: Sequence[str],
    critics: nn.ModuleDict,
    gp_weight: float,
) -> tuple[torch.Tensor, dict[str, float]]:
    """WGAN-GP loss of every critic of ``heads`` (outputs are detached) and the logged
    values ``perception/<head>`` (Wasserstein estimate) and ``penalty/<head>``."""
    frames = source.shape[1]
    total = source.new_zeros(())
    stats: dict[str, float] = {}
    for head in heads:
        if head == MMSE_HEAD:
            continue
        output = reconstructions[head].detach()
        distance, penalty = 0.0, 0.0
        for t in range(1, frames + 1):
            critic = critics[critic_name(head, t)]
            real, fake = critic_inputs(head, source, output, t)
            scores = critic(torch.cat([real, fake]))  # one pass over both sides
            wasserstein = scores[: len(real)].mean() - scores[len(real) :].mean()
            gp = gradient_penalty(critic, real, fake)
            total = total + (gp_weight * gp - wasserstein) / frames
            distance += float(wasserstein.detach()) / frames
            penalty += float(gp.detach()) / frames
        stats[f"perception/{head}"] = distance
        stats[f"penalty/{head}"] = penalty
    stats["loss/critic"] = float(total.detach())
    return total, stats
