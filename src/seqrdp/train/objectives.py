"""The decoder loss and the critic loss; the PLF enters only through
:func:`~seqrdp.perception.plf.critic_inputs`.

For a head ``p`` with PLF critics ``f_{p,t}`` (one per frame ``t``), over clips of ``T``
frames:

    decoder:  λ_mse · mean_t MSE(X_t, X̂_t)  −  λ_perc · mean_t E f_{p,t}(fake_t)
    critic (wgan-gp):  mean_t [ E f(fake_t) − E f(real_t) + λ_gp · GP(f, real_t, fake_t) ]
    critic (hinge):    mean_t [ E max(0, 1 − f(real_t)) + E max(0, 1 + f(fake_t)) ]

with the means over the frames ``t`` a stage scores (all, frame 1 alone, or 2..T). WGAN-GP is
Gulrajani et al. 2017: ``E f(real) − E f(fake)`` estimates the 1-Wasserstein distance, the
perception ``P_t`` of the PLF. The hinge loss (Lim & Ye 2017; Miyato et al. 2018) goes with
spectrally normalised critics and needs no second backward pass for a penalty. Either way
``E f(real) − E f(fake)`` is logged as ``perception/<p>``.
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


CRITIC_LOSSES = ("wgan-gp", "hinge")
# Key, among the critics, of the InfoGAN network of the frame-1 generator's categorical code.
INFO = "info"


def build_critics(
    plfs: Sequence[str],
    frames: int,
    channels: int,
    width: int,
    size: int,
    spectral_norm: bool = False,
    minibatch_std: int = 0,
    aligned: bool = False,
) -> nn.ModuleDict:
    """One :class:`~seqrdp.perception.critics.Critic` per (PLF, frame); ``aligned``: the
    ``jd`` and ``sa`` critics also see the moved past
    (:func:`~seqrdp.perception.plf.critic_inputs`)."""
    return nn.ModuleDict(
        {
            critic_name(plf, t): Critic(
                critic_frames(plf, t, aligned),
                channels,
                width,
                size,
                spectral_norm=spectral_norm,
                minibatch_std=minibatch_std,
            )
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
    first: int = 1,
    aligned: bool = False,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Loss of the decoders of ``heads`` on frames ``first..T`` (critic term when ``critics``
    is given; ``aligned`` as the critics were built) and the logged values (``mse/<head>`` for
    every reconstruction over all frames, ``adversarial/<head>``)."""
    frames = source.shape[1]
    scored = slice(first - 1, None)
    stats = {
        f"mse/{head}": float(((out.detach() - source) ** 2).mean())
        for head, out in reconstructions.items()
    }
    total = source.new_zeros(())
    for head in heads:
        output = reconstructions[head]
        total = total + lambda_mse * ((output[:, scored] - source[:, scored]) ** 2).mean()
        if critics is not None and head != MMSE_HEAD:
            scores = [
                critics[critic_name(head, t)](
                    critic_inputs(head, source, output, t, aligned)[1]
                ).mean()
                for t in range(first, frames + 1)
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
    kind: str = "wgan-gp",
    first: int = 1,
    aligned: bool = False,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Loss (``kind``: ``wgan-gp`` or ``hinge``) of every critic of ``heads`` at frames
    ``first..T`` (outputs are detached) and the logged values ``perception/<head>`` (the
    critic's score gap, a Wasserstein estimate under WGAN-GP) and ``penalty/<head>``."""
    if kind not in CRITIC_LOSSES:
        raise ValueError(f"critic loss {kind!r} is not one of {list(CRITIC_LOSSES)}")
    frames = source.shape[1]
    count = frames - first + 1
    total = source.new_zeros(())
    stats: dict[str, float] = {}
    for head in heads:
        if head == MMSE_HEAD:
            continue
        output = reconstructions[head].detach()
        distance, penalty = 0.0, 0.0
        for t in range(first, frames + 1):
            critic = critics[critic_name(head, t)]
            real, fake = critic_inputs(head, source, output, t, aligned)
            scores = critic(torch.cat([real, fake]))  # one pass over both sides
            on_real, on_fake = scores[: len(real)], scores[len(real) :]
            wasserstein = on_real.mean() - on_fake.mean()
            if kind == "hinge":
                gp = scores.new_zeros(())
                loss = torch.relu(1 - on_real).mean() + torch.relu(1 + on_fake).mean()
            else:
                gp = gradient_penalty(critic, real, fake)
                loss = gp_weight * gp - wasserstein
            total = total + loss / count
            distance += float(wasserstein.detach()) / count
            penalty += float(gp.detach()) / count
        stats[f"perception/{head}"] = distance
        stats[f"penalty/{head}"] = penalty
    stats["loss/critic"] = float(total.detach())
    return total, stats


def info_loss(network: nn.Module, frames: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
    """InfoGAN term (Chen et al., *InfoGAN*, NeurIPS 2016) of a categorical code: the
    cross-entropy of ``network``'s logits on generated ``frames`` (N, C, H, W) against the
    one-hot ``code`` (N, K) that drew them. The network and the generator both minimise it
    (a variational lower bound on their mutual information, up to the code's entropy
    ``log K``), so each value of the code comes to draw frames the network tells apart."""
    return nn.functional.cross_entropy(network(frames), code.argmax(dim=1))


def mode_seeking(
    first: torch.Tensor, second: torch.Tensor, noise_gap: torch.Tensor
) -> torch.Tensor:
    """Mode-seeking term (Mao et al., *Mode Seeking GANs*, CVPR 2019) of two outputs of one
    generator on the same condition: ``1 / (mean |first − second| / noise_gap + 1e-5)``, with
    ``noise_gap = mean |z₁ − z₂|``. Minimising it spreads the outputs as the noise moves, and
    it flattens once they differ: a generator that ignores its noise pays ``1e5``."""
    ratio = (first - second).abs().mean() / noise_gap
    return 1.0 / (ratio + 1e-5)
