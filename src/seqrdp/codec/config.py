"""The codec's configuration: rates, sizes and heads, as a plain dict a checkpoint stores.

Rates are given in bits per frame; latent dimensions follow from the quantiser:
``dims = bits / log2(levels)``. A P-frame's bits are split between the motion latent
(``motion_bits``) and the residual latent (the rest).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from seqrdp.errors import UsageError
from seqrdp.plfs import MMSE_HEAD, PAST, PLFS

DIVISOR = 16  # four stride-2 stages down to the vector latents
# Largest values: what a .srdp header can carry (frame side, channels, levels, 2**20 symbols of
# 16 bits); 16 scale-space levels already blur by 2**15 pixels, more than any frame.
MAX_VALUES = {
    "channels": 255,
    "levels": 2**16,
    "iframe_bits": 2**24,
    "pframe_bits": 2**24,
    "motion_bits": 2**24,
    "width": 2**16,
    "noise_dims": 2**20,
    "scale_levels": 16,
    "iframe_categories": 2**10,
}
MAX_SIDE = 16384
IFRAME_HEADS = ("generator", "patch", "refine")
HISTORY_ALIGNS = ("field", "centre")
# Keys written to a stored config only when they differ from this value, so that every model
# stored before the key existed keeps its identity (the hash covers the stored dict).
OMITTED_DEFAULTS: dict[str, Any] = {
    "history_align": "field",
    "history_base": (),
    "history_step": 0.0,
    "iframe_categories": 0,
}
# What a stored config written before a key existed meant (not the default of a new codec).
LEGACY_VALUES: dict[str, Any] = {"iframe_head": "refine"}


@dataclasses.dataclass(frozen=True)
class CodecConfig:
    """Everything that defines a :class:`~seqrdp.codec.model.SequentialCodec`'s shape.

    The defaults are ``seqrdp train``'s (``seqrdp/train/default.yaml``, where each is
    documented for users); ``tests/codec/test_config_defaults.py`` checks that they agree.

    Attributes
    ----------
    size
        Frame height and width in pixels, both divisible by 16.
    channels
        Colour channels (1 for grey).
    levels
        Quantiser levels ``L`` (a power of two); every latent dimension costs ``log2 L`` bits.
    iframe_bits
        Rate of frame 1 in bits.
    pframe_bits
        Rate of every later frame in bits (motion + residual).
    motion_bits
        Part of ``pframe_bits`` spent on the motion (scale-space flow) latent.
    width
        Channels of the convolutional networks at coarse scales.
    noise_dims
        Dimensions of the decoder noise each perception head receives.
    scale_levels, scale_sigma
        Depth of the Gaussian scale-space volume and the blur σ₀ (pixels) of its first level.
    iframe_head
        Frame-1 decoder of the perception heads: ``"generator"`` draws the frame
        (:class:`~seqrdp.codec.networks.Generator`), ``"patch"`` draws one object in a
        32×32 window at the MMSE frame's centre of mass
        (:class:`~seqrdp.codec.networks.PatchGenerator`; for one object on a dark
        background, as in Moving MNIST), both shared by every head; ``"refine"`` gives each
        head a decoder that corrects the MMSE frame
        (:class:`~seqrdp.codec.networks.ConditionalDecoder`, like every P-frame's).
    iframe_categories
        With a shared frame-1 generator (``"generator"`` or ``"patch"``): a categorical code
        of this many values that it also receives, as a one-hot vector
        (:func:`~seqrdp.codec.networks.category_one_hot`: the index of the largest of the
        first ``iframe_categories`` noise coordinates, uniform over the values). Trained
        with an InfoGAN term (Chen et al., NeurIPS 2016), each value becomes one kind of
        object, so that at a few bits frame 1 commits to one digit instead of drawing shapes
        between digits. 0 (default): none.
    heads
        Perception heads (PLFs) besides the MMSE head.
    history
        Heads that also see their own previous output. Default (``None``): the heads whose
        PLF compares past frames too (``jd`` and ``sa``; :data:`seqrdp.plfs.PAST`),
        since their output ``t`` must agree with their outputs ``1..t−1``.
    history_align
        How a history head's previous output is moved onto frame ``t``: ``"field"`` warps it
        by the frame's scale-space field (blur included); ``"centre"`` translates it at whole
        pixels so that its centre of mass lands on the MMSE frame's, without resampling. The
        second is a prior for one object on a dark background, like ``iframe_head =
        "patch"``: at a few bits for frame 1 the MMSE reference is a blob, the field
        estimated from it blurs, and a blurred past cannot be kept as it was.
    history_step
        With ``history_align = "centre"``: the farthest, in pixels, the past output moves
        towards the MMSE frame's centre of mass (0: all the way). A joint PLF (``jd``) asks
        the clip to move like a real one: where frame 1 was drawn off its place, a history
        that jumps onto the MMSE frame's centre moves farther in one frame than a real object
        does, and a critic of the clip sees it (Moving MNIST digits move 3.6 pixels a frame).
    history_base
        History heads whose P-frame decoder corrects their own moved past output instead of
        the MMSE frame: ``X̂_t = clamp(h_t + g(…))``, so that at initialisation the head
        keeps frame 1's decision (error permanence, what ``jd`` asks at a low frame-1 rate)
        and training only has to learn where to depart from it. Default: none.
    reference
        Which head's previous output is the P-frame reference: the MMSE head (universal: the
        closed loop uses the MMSE reconstruction, so any head decodes the same bits) or a PLF
        in ``heads`` (end-to-end for that PLF).
    """

    size: tuple[int, int] = (64, 64)
    channels: int = 1
    levels: int = 4
    iframe_bits: int = 4
    pframe_bits: int = 64
    motion_bits: int = 16
    width: int = 32
    noise_dims: int = 16
    scale_levels: int = 4
    scale_sigma: float = 1.0
    iframe_head: str = "refine"
    iframe_categories: int = 0
    heads: tuple[str, ...] = PLFS
    history: tuple[str, ...] | None = None
    history_align: str = "field"
    history_base: tuple[str, ...] = ()
    history_step: float = 0.0
    reference: str = MMSE_HEAD

    def __post_init__(self) -> None:
        # Types are a TypeError (only a hand-edited file gets them wrong), ranges a UsageError.
        for name, largest in MAX_VALUES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an integer, got {value!r}")
            if value > largest:
                raise UsageError(f"{name} {value} is more than {largest}")
        if len(self.size) != 2 or not all(
            isinstance(side, int) and not isinstance(side, bool) for side in self.size
        ):
            raise TypeError(f"size must be two integers, got {self.size!r}")
        if max(self.size) > MAX_SIDE:
            raise UsageError(f"size {self.size[0]}x{self.size[1]} is more than {MAX_SIDE}")
        if isinstance(self.scale_sigma, bool) or not isinstance(self.scale_sigma, int | float):
            raise TypeError(f"scale_sigma must be a number, got {self.scale_sigma!r}")
        if not math.isfinite(self.scale_sigma):
            raise UsageError(f"scale_sigma must be finite, got {self.scale_sigma}")
        h, w = self.size
        if h <= 0 or w <= 0 or h % DIVISOR or w % DIVISOR:
            raise UsageError(f"size {h}x{w}: height and width must be positive multiples of 16")
        if self.levels < 2 or self.levels & (self.levels - 1):
            raise UsageError(f"levels {self.levels} is not a power of two >= 2")
        bits = self.bits_per_dim
        for name in ("iframe_bits", "pframe_bits", "motion_bits"):
            value = getattr(self, name)
            if value < 0 or value % bits:
                raise UsageError(
                    f"{name} {value} is not a non-negative multiple of log2(levels) = {bits}"
                )
        if self.motion_bits > self.pframe_bits:
            raise UsageError(
                f"motion_bits {self.motion_bits} exceeds pframe_bits {self.pframe_bits}"
            )
        for name in ("channels", "width", "scale_levels"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.noise_dims < 0 or self.scale_sigma <= 0:
            raise UsageError("noise_dims must be >= 0 and scale_sigma > 0")
        if self.iframe_head not in IFRAME_HEADS:
            raise UsageError(f"iframe_head {self.iframe_head!r} is not one of {list(IFRAME_HEADS)}")
        if self.iframe_categories:
            if self.iframe_head == "refine" or self.iframe_categories < 2:
                raise UsageError(
                    "iframe_categories needs a shared frame-1 generator (iframe_head generator"
                    f" or patch) and at least 2 values, got {self.iframe_categories} with"
                    f" {self.iframe_head!r}"
                )
            if self.iframe_categories > self.noise_dims:
                raise UsageError(
                    f"iframe_categories {self.iframe_categories} is more than noise_dims"
                    f" {self.noise_dims} (the code is read from the noise)"
                )
        if not self.history_step >= 0:
            raise UsageError(f"history_step must be >= 0 pixels, got {self.history_step}")
        if self.history_align not in HISTORY_ALIGNS:
            raise UsageError(
                f"history_align {self.history_align!r} is not one of {list(HISTORY_ALIGNS)}"
            )
        unknown = sorted(set(self.heads) - set(PLFS))
        if unknown:
            raise UsageError(f"unknown head {unknown[0]!r}; perception heads are {list(PLFS)}")
        if len(set(self.heads)) != len(self.heads):
            raise UsageError(f"heads {list(self.heads)} repeat a name")
        if self.history is None:
            derived = tuple(h for h in self.heads if h in PAST and PAST[h] is not None)
            object.__setattr__(self, "history", derived)
        extra = sorted(set(self.history) - set(self.heads))
        if extra:
            raise UsageError(f"history head {extra[0]!r} is not one of heads {list(self.heads)}")
        stray = sorted(set(self.history_base) - set(self.history))
        if stray:
            raise UsageError(
                f"history_base head {stray[0]!r} is not a history head {list(self.history)}"
            )
        if self.reference != MMSE_HEAD and self.reference not in self.heads:
            raise UsageError(
                f"reference {self.reference!r} must be {MMSE_HEAD!r} or one of heads "
                f"{list(self.heads)}"
            )

    @property
    def bits_per_dim(self) -> int:
        return int(math.log2(self.levels))

    @property
    def iframe_dims(self) -> int:
        return self.iframe_bits // self.bits_per_dim

    @property
    def motion_dims(self) -> int:
        return self.motion_bits // self.bits_per_dim

    @property
    def residual_dims(self) -> int:
        return (self.pframe_bits - self.motion_bits) // self.bits_per_dim

    @property
    def frame_bits(self) -> tuple[int, int]:
        """Bits of frame 1 and of every later frame."""
        return (self.iframe_bits, self.pframe_bits)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples as lists), without the :data:`OMITTED_DEFAULTS` that hold
        their value."""
        d = dataclasses.asdict(self)
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in d.items()
            if k not in OMITTED_DEFAULTS or v != OMITTED_DEFAULTS[k]
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CodecConfig:
        """Build from a dict such as :meth:`to_dict`'s. A missing key takes its value in
        :data:`LEGACY_VALUES` (a file written before the key existed), else its default."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise UsageError(f"unknown codec config key {unknown[0]!r}")
        values = {**LEGACY_VALUES, **d}
        for key in ("size", "heads", "history", "history_base"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        if "size" in values and len(values["size"]) != 2:
            raise UsageError(f"size must be [height, width], got {list(values['size'])}")
        return cls(**values)
