"""The two stages of every training run, as data: which heads the loss scores, which
parameters move, and whether critics take part.

=============  ==========================================  ============================
stage          ``universal``                               ``end-to-end --plf P``
=============  ==========================================  ============================
``mse``        encoders + MMSE decoders on MSE              whole model on MSE of head P
                                                            (warm start; reference = P)
``perception`` heads of every PLF on λ_mse·MSE + λ_perc·W;  whole model on
               encoders and MMSE decoders frozen            λ_mse·MSE + λ_perc·W of head P
=============  ==========================================  ============================

``W`` is the critic's (WGAN) perception term of the head's PLF, summed over frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seqrdp.codec.model import MMSE_HEAD


@dataclass(frozen=True)
class Stage:
    """One stage of training.

    Attributes
    ----------
    name
        ``"mse"`` or ``"perception"``.
    start, stop
        Global step range ``[start, stop)``.
    heads
        Heads whose outputs enter the loss.
    trains
        Which parameters the optimiser moves: ``"core"`` (encoders and MMSE decoders),
        ``"heads"`` (perception heads) or ``"all"``.
    perception
        Whether the loss has a critic term (and critics are trained).
    """

    name: str
    start: int
    stop: int
    heads: tuple[str, ...]
    trains: str
    perception: bool

    @property
    def steps(self) -> int:
        return self.stop - self.start


def plan(config: Mapping[str, Any]) -> list[Stage]:
    """The stages of a run, in order (stages with zero steps are kept: they take no time)."""
    first, second = config["mse_steps"], config["perception_steps"]
    if config["mode"] == "universal":
        perception_heads = tuple(config["heads"])
        return [
            Stage("mse", 0, first, (MMSE_HEAD,), "core", perception=False),
            Stage("perception", first, first + second, perception_heads, "heads", perception=True),
        ]
    plf = (config["plf"],)
    return [
        Stage("mse", 0, first, plf, "all", perception=False),
        Stage("perception", first, first + second, plf, "all", perception=True),
    ]


def stage_at(stages: Sequence[Stage], step: int) -> Stage:
    """The stage that step ``step`` (0-based) belongs to."""
    for stage in stages:
        if stage.start <= step < stage.stop:
            return stage
    raise ValueError(f"step {step} is past the last stage")
