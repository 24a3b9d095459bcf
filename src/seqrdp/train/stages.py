"""The stages of every training run, as data: which heads the loss scores, on which frames,
which parameters move, and whether critics take part.

=================  ======================================  =================================
stage              ``universal``                           ``end-to-end --plf P``
=================  ======================================  =================================
``mse``            encoders + MMSE decoders on MSE          whole model on MSE of head P
                                                           (warm start; reference = P)
``iframe``         frame 1 only: the heads' frame-1         frame 1 only: the I-frame model
(``iframe_steps``) decoders on λ_mse·MSE + λ_perc·W          and head P's frame-1 decoder
``perception``     heads of every PLF (their P-frame        whole model (its P-frame parts
                   decoders after an ``iframe`` stage);     after an ``iframe`` stage) on
                   encoders and MMSE decoders frozen        λ_mse·MSE + λ_perc·W of head P
=================  ======================================  =================================

``W`` is the critic term of the head's PLF. Training frame 1 before frames 2..T is the
theory's sequential (greedy-in-time) optimum made literal, and a frame-1 step is cheap: the
clip is cut to one frame. After an ``iframe`` stage the ``perception`` stage scores frames
2..T only and leaves what decodes frame 1 as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seqrdp.codec.model import MMSE_HEAD

# Parameter groups of a codec (see :func:`seqrdp.train.loop.trainable`).
CORE = ("core.iframe", "core.pframe")
HEADS = ("heads.iframe", "heads.pframe")


@dataclass(frozen=True)
class Stage:
    """One stage of training.

    Attributes
    ----------
    name
        ``"mse"``, ``"iframe"`` or ``"perception"``.
    start, stop
        Global step range ``[start, stop)``.
    heads
        Heads whose outputs enter the loss.
    trains
        Parameter groups the optimiser moves: ``core.iframe``, ``core.pframe`` (encoders and
        MMSE decoders), ``heads.iframe``, ``heads.pframe`` (the perception heads' frame-1 and
        P-frame decoders).
    perception
        Whether the loss has a critic term (and critics are trained).
    frames
        ``(first, last)``: the 1-based frames the loss scores; ``last = None`` is the clip's
        last frame. Clips are cut to ``last`` frames.
    """

    name: str
    start: int
    stop: int
    heads: tuple[str, ...]
    trains: tuple[str, ...]
    perception: bool
    frames: tuple[int, int | None] = (1, None)

    @property
    def steps(self) -> int:
        return self.stop - self.start


def plan(config: Mapping[str, Any]) -> list[Stage]:
    """The stages of a run, in order (stages with zero steps are kept: they take no time).

    ``greedy`` (on by itself with ``iframe_steps > 0``) makes the ``perception`` stage train
    only the P-frame decoders on frames 2..T: frame 1's are kept as the ``iframe`` stage, or
    ``--init`` / ``--init-heads``, left them.

    With ``freeze_iframe`` no stage moves ``core.iframe`` (frame 1's encoder and MMSE decoder
    stay as ``--init`` left them). A frame-1 decoder that every head shares (``iframe_head``
    ``generator`` or ``patch``) is still scored by every head's frame-1 critic: they compare
    the same ``X̂_1`` with the same ``X_1``, but an ensemble of critics kept the generator
    diverse where one critic at twice the batch let it collapse to one glyph (docs/training.md).
    """
    first, iframe, second = config["mse_steps"], config["iframe_steps"], config["perception_steps"]
    universal = config["mode"] == "universal"
    heads = tuple(config["heads"]) if universal else (config["plf"],)
    mse_heads = (MMSE_HEAD,) if universal else heads
    frozen = ("core.iframe",) if config.get("freeze_iframe") else ()

    def parts(groups: tuple[str, ...], suffix: str = "") -> tuple[str, ...]:
        return tuple(p for p in groups if p.endswith(suffix) and p not in frozen)

    # Frame-1 parts and P-frame parts of what the perception stages train.
    part = HEADS if universal else (*CORE, *HEADS)
    iframe_part, pframe_part = parts(part, ".iframe"), parts(part, ".pframe")
    greedy = iframe > 0 or bool(config.get("greedy"))
    return [
        Stage("mse", 0, first, mse_heads, parts(CORE if universal else part), perception=False),
        Stage("iframe", first, first + iframe, heads, iframe_part, True, frames=(1, 1)),
        Stage(
            "perception", first + iframe, first + iframe + second, heads,
            pframe_part if greedy else parts(part), True, frames=(2 if greedy else 1, None),
        ),
    ]  # fmt: skip


def stage_at(stages: Sequence[Stage], step: int) -> Stage:
    """The stage that step ``step`` (0-based) belongs to."""
    for stage in stages:
        if stage.start <= step < stage.stop:
            return stage
    raise ValueError(f"step {step} is past the last stage")
