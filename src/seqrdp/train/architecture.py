"""Which codec and which critics a run trains: the ``codec`` key, in one place.

``conv`` is the convolutional video codec (:class:`~seqrdp.codec.model.SequentialCodec`) with
convolutional critics; ``vector`` is the perceptron codec for vector frames
(:class:`~seqrdp.codec.vector.VectorCodec`) with perceptron critics. Everything else in the
loop is the same for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import nn

from seqrdp.codec.model import MMSE_HEAD, SequentialCodec
from seqrdp.errors import UsageError
from seqrdp.perception.critics import Critic
from seqrdp.perception.plf import critic_frames
from seqrdp.train import objectives
from seqrdp.train.config import codec_config


def build_codec(config: Mapping[str, Any], channels: int) -> SequentialCodec:
    """The codec of a run whose frames have ``channels`` channels (the data decides)."""
    if config["codec"] == "vector":
        from seqrdp.codec.vector import VectorCodec

        if channels != config["dims"]:
            raise UsageError(
                f"the vector codec codes frames of dims = {config['dims']} samples; "
                f"data {config['data']!r} has frames of {channels} channels (use gauss-markov)"
            )
        return VectorCodec(codec_config(config, channels))
    return SequentialCodec(codec_config(config, channels))


def build_critics(config: Mapping[str, Any], plfs: Sequence[str], channels: int) -> nn.ModuleDict:
    """One critic per (PLF, frame), keyed by :func:`~seqrdp.train.objectives.critic_name`;
    with ``lambda_info`` also the InfoGAN network (key :data:`~seqrdp.train.objectives.INFO`),
    which trains beside them."""
    if config["codec"] != "vector":
        critics = objectives.build_critics(
            plfs, config["frames"], channels, config["critic_width"], config["size"],
            spectral_norm=config["critic_loss"] == "hinge",
            minibatch_std=config["critic_minibatch_std"], aligned=config["critic_align"],
        )  # fmt: skip
        if config["lambda_info"]:
            critics[objectives.INFO] = Critic(
                1, channels, config["critic_width"], config["size"],
                outputs=config["iframe_categories"],
            )  # fmt: skip
        return critics
    from seqrdp.perception.vector_critic import VectorCritic

    return nn.ModuleDict(
        {
            objectives.critic_name(plf, t): VectorCritic(
                critic_frames(plf, t) * channels,
                config["critic_width"],
                spectral_norm=config["critic_loss"] == "hinge",
            )
            for plf in plfs
            if plf != MMSE_HEAD
            for t in range(1, config["frames"] + 1)
        }
    )
