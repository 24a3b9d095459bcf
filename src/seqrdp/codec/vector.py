"""The vector codec: the sequential codec's structure with multilayer perceptrons, for sources
whose frames are vectors (the Gauss–Markov source of the theory, :mod:`seqrdp.theory`).

A frame is ``d`` real samples, carried as a tensor (N, d, 1, 1) so that every tool written for
videos (N, T, C, H, W), the PLF critic inputs included, takes it unchanged. What is shared with
:class:`~seqrdp.codec.model.SequentialCodec` is everything but the networks: the fixed-rate
dithered quantiser, the shared randomness, the faces ``forward`` / ``compress`` /
``decompress`` (inherited), the I/P structure with a detached reference, and one MMSE head
plus one perception head per PLF decoding the same bits. Frame ``t`` is coded as

* ``t = 1``: ``y_1 = tanh(E_I(x_1))``, ``x̃_1 = D_I(ŷ_1)``;
* ``t ≥ 2``: prediction ``p_t = A r_{t−1}`` (``r`` the reference head's previous output, ``A``
  a learned linear map: the vector analogue of motion compensation, since
  ``E[X_t | X_{t−1}] = ρ X_{t−1}``), ``y_t = tanh(E_P(x_t, p_t))``, ``x̃_t = p_t + D_P(ŷ_t, p_t)``;
* head ``p``: ``X̂_t = x̃_t + G_p(ŷ_t, w_t, x̃_t [, A X̂_{t−1}])`` with decoder noise ``w_t``.

Outputs are unbounded reals (no clamp: the samples are Gaussian, not pixels).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import nn

from seqrdp.codec.model import MMSE_HEAD, Randomness, SequentialCodec
from seqrdp.codec.quantizer import DitheredQuantizer
from seqrdp.errors import UsageError
from seqrdp.plfs import PAST, PLFS

KIND = "vector"


@dataclasses.dataclass(frozen=True)
class VectorCodecConfig:
    """Everything that defines a :class:`VectorCodec`'s shape.

    Attributes
    ----------
    dims
        Samples per frame ``d``.
    levels
        Quantiser levels ``L`` (a power of two); every latent dimension costs ``log2 L`` bits,
        so a rate of ``R`` bits/sample is ``R·d / log2 L`` latent dimensions.
    iframe_bits, pframe_bits
        Bits of frame 1 and of every later frame.
    width
        Hidden units of every perceptron.
    noise_dims
        Dimensions of the decoder noise each perception head receives.
    heads, history, reference
        As in :class:`~seqrdp.codec.config.CodecConfig`.
    """

    dims: int = 64
    levels: int = 2
    iframe_bits: int = 64
    pframe_bits: int = 64
    width: int = 256
    noise_dims: int = 64
    heads: tuple[str, ...] = PLFS
    history: tuple[str, ...] | None = None
    reference: str = MMSE_HEAD

    def __post_init__(self) -> None:
        if self.dims < 1 or self.width < 1 or self.noise_dims < 0:
            raise UsageError("dims and width must be at least 1 and noise_dims at least 0")
        if self.levels < 2 or self.levels & (self.levels - 1):
            raise UsageError(f"levels {self.levels} is not a power of two >= 2")
        for name in ("iframe_bits", "pframe_bits"):
            value = getattr(self, name)
            if value < 0 or value % self.bits_per_dim:
                raise UsageError(
                    f"{name} {value} is not a non-negative multiple of log2(levels) = "
                    f"{self.bits_per_dim}"
                )
        unknown = sorted(set(self.heads) - set(PLFS))
        if unknown:
            raise UsageError(f"unknown head {unknown[0]!r}; perception heads are {list(PLFS)}")
        if len(set(self.heads)) != len(self.heads):
            raise UsageError(f"heads {list(self.heads)} repeat a name")
        if self.history is None:
            derived = tuple(h for h in self.heads if PAST[h] is not None)
            object.__setattr__(self, "history", derived)
        extra = sorted(set(self.history) - set(self.heads))
        if extra:
            raise UsageError(f"history head {extra[0]!r} is not one of heads {list(self.heads)}")
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
    def pframe_dims(self) -> int:
        return self.pframe_bits // self.bits_per_dim

    @property
    def frame_bits(self) -> tuple[int, int]:
        """Bits of frame 1 and of every later frame."""
        return (self.iframe_bits, self.pframe_bits)

    @property
    def channels(self) -> int:
        """A frame is (d, 1, 1): ``d`` channels of a 1×1 image."""
        return self.dims

    @property
    def size(self) -> tuple[int, int]:
        return (1, 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples as lists), with ``"kind": "vector"``."""
        d = dataclasses.asdict(self)
        return {"kind": KIND, **{k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VectorCodecConfig:
        """Build from a dict such as :meth:`to_dict`'s; missing keys take their defaults."""
        values = {k: v for k, v in d.items() if k != "kind"}
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise UsageError(f"unknown vector codec config key {unknown[0]!r}")
        for key in ("heads", "history"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)


class Perceptron(nn.Module):
    """``x ↦ Wx + b + f(x)``: a linear map plus a two-hidden-layer LeakyReLU perceptron ``f``.

    The linear path is there because the optimal Gaussian encoders and decoders of the theory
    are linear; the perceptron adds what a finite-rate quantiser needs (sign bits, thresholds).
    """

    def __init__(self, inputs: int, outputs: int, width: int) -> None:
        super().__init__()
        self.linear = nn.Linear(inputs, outputs)
        self.body = nn.Sequential(
            nn.Linear(inputs, width),
            nn.LeakyReLU(0.2),
            nn.Linear(width, width),
            nn.LeakyReLU(0.2),
            nn.Linear(width, outputs),
        )

    def forward(self, *parts: torch.Tensor) -> torch.Tensor:
        x = torch.cat([p.flatten(1) for p in parts], dim=1)
        return self.linear(x) + self.body(x)

    def start_saturated_(self, gain: float, inputs: int) -> None:
        """Start an encoder as ``tanh(gain · O x)``, ``O`` orthogonal on the first ``inputs``
        inputs (zero on the rest): with two quantiser levels the best latent is ±1 (the
        dithered quantiser then sends its sign without error), but the straight-through
        (pathwise) gradient never pushes a latent towards saturation, so the encoder starts
        there, as a scalar quantiser of orthogonal projections."""
        with torch.no_grad():
            self.linear.weight.zero_()
            nn.init.orthogonal_(self.linear.weight[:, :inputs], gain=gain)
            self.linear.bias.zero_()
            self.body[-1].weight.mul_(0.1)

    def shrink_(self, scale: float = 0.1) -> None:
        """Start near "output nothing" without blocking the first gradients."""
        with torch.no_grad():
            for layer in (self.linear, self.body[-1]):
                layer.weight.mul_(scale)
                layer.bias.zero_()


GAIN = 10.0  # see HeadDecoder


def encoder_gain(levels: int) -> float:
    """Initial gain of the encoders' linear path: saturated for two levels
    (:meth:`Perceptron.start_saturated_`); for more levels ``tanh`` spreads a unit-variance
    projection over the levels (gain 1 puts the outer cell edges near ±0.8σ at L = 4, close
    to the Lloyd–Max ±0.98σ)."""
    return 30.0 if levels == 2 else 1.0


def _frames(x: torch.Tensor) -> torch.Tensor:
    """(N, d) → (N, d, 1, 1), the frame shape of a video tensor."""
    return x.view(*x.shape, 1, 1)


class VectorIFrame(nn.Module):
    """Frame 1: encoder ``x_1 → y_1 ∈ [−1, 1]^k`` and MMSE decoder ``ŷ_1 → x̃_1``."""

    def __init__(self, config: VectorCodecConfig) -> None:
        super().__init__()
        self.encoder = Perceptron(config.dims, config.iframe_dims, config.width)
        self.encoder.start_saturated_(encoder_gain(config.levels), config.dims)
        self.decoder = Perceptron(2 * config.iframe_dims, config.dims, config.width)

    def encode(self, frame: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.encoder(frame))

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return _frames(self.decoder(latent))


class VectorPFrame(nn.Module):
    """Frames 2..T: linear prediction from the reference, then an encoder and an MMSE decoder
    of what the prediction misses (both see the prediction)."""

    def __init__(self, config: VectorCodecConfig) -> None:
        super().__init__()
        d = config.dims
        self.predictor = nn.Linear(d, d, bias=False)
        with torch.no_grad():
            self.predictor.weight.copy_(torch.eye(d))
        self.encoder = Perceptron(2 * d, config.pframe_dims, config.width)
        self.encoder.start_saturated_(encoder_gain(config.levels), d)
        self.decoder = Perceptron(2 * config.pframe_dims + d, d, config.width)

    def predict(self, previous: torch.Tensor) -> torch.Tensor:
        """``A x`` for a previous frame ``x`` (N, d, 1, 1)."""
        return _frames(self.predictor(previous.flatten(1)))

    def encode(self, frame: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
        """``tanh(E_P(x_t − p_t, p_t))``: the encoder starts on what the prediction misses."""
        return torch.tanh(self.encoder(frame - prediction, prediction))

    def decode(self, latent: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
        return prediction + _frames(self.decoder(latent, prediction))


class HeadDecoder(nn.Module):
    """One decoder of a perception head: ``X̂ = a ⊙ x̃ + g ⊙ h + G(ŷ, w, x̃, h)``.

    ``a`` and ``g`` are per-coordinate gains on the MMSE frame ``x̃`` and on the predicted past
    output ``h`` (history heads only), ``G`` a :class:`Perceptron`. The theory's decoders are
    of this form with ``G`` linear in the noise: ``fmd`` scales the MMSE estimate
    (``a = s/√q``), ``jd`` continues its past (``g ≈ ρ``, error permanence). Adam moves a
    weight by about its learning rate per step, so such order-one coefficients would take
    ``~1/lr`` steps; the gains are stored divided by :data:`GAIN` (``a = 1 + GAIN·α``,
    ``g = GAIN·γ``, both starting at "output the MMSE frame") and learn ``GAIN`` times faster.
    """

    def __init__(self, inputs: int, dims: int, width: int, history: bool) -> None:
        super().__init__()
        self.correction = Perceptron(inputs, dims, width)
        self.correction.shrink_()
        self.scale = nn.Parameter(torch.zeros(dims))
        self.carry = nn.Parameter(torch.zeros(dims)) if history else None

    def forward(
        self, parts: list[torch.Tensor], mmse: torch.Tensor, history: torch.Tensor | None
    ) -> torch.Tensor:
        output = _frames(1.0 + GAIN * self.scale) * mmse + _frames(self.correction(*parts))
        if self.carry is not None:
            assert history is not None, "this head needs its previous output"
            output = output + _frames(GAIN * self.carry) * history
        return output


class VectorHead(nn.Module):
    """The I-frame and P-frame decoders (:class:`HeadDecoder`) of one PLF, from the latent,
    decoder noise, the MMSE frame and (``jd``, ``sa``) the head's predicted past output."""

    def __init__(self, config: VectorCodecConfig, history: bool) -> None:
        super().__init__()
        self.history = history
        images = config.dims * (2 if history else 1)
        noise = config.noise_dims + images
        self.iframe = HeadDecoder(2 * config.iframe_dims + noise, config.dims, config.width,
                                  history)  # fmt: skip
        self.pframe = HeadDecoder(2 * config.pframe_dims + noise, config.dims, config.width,
                                  history)  # fmt: skip

    def forward(
        self,
        t: int,
        latent: torch.Tensor,
        noise: torch.Tensor,
        mmse: torch.Tensor,
        history: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Output frame ``X̂_t`` (N, d, 1, 1) for frame ``t`` (1-based)."""
        parts = [latent, noise, mmse]
        if self.history:
            assert history is not None, "this head needs its previous output"
            parts.append(history)
        decoder = self.iframe if t == 1 else self.pframe
        return decoder(parts, mmse, history if self.history else None)


class VectorCodec(SequentialCodec):
    """The sequential codec for vector frames (N, T, d, 1, 1); see the module docstring.

    The faces (``forward``, ``compress``, ``decompress_frames``, ``decompress``), the
    quantiser and the randomness are :class:`~seqrdp.codec.model.SequentialCodec`'s; only the
    parts and the one path :meth:`_frame` that encoder and decoder walk are the vector ones.
    """

    def __init__(self, config: VectorCodecConfig | Mapping[str, Any] | None = None) -> None:
        nn.Module.__init__(self)  # the parts below replace SequentialCodec's convolutional ones
        if not isinstance(config, VectorCodecConfig):
            config = VectorCodecConfig.from_dict(config or {})
        self.codec_config = config
        self.quantizer = DitheredQuantizer(config.levels)
        self.iframe = VectorIFrame(config)
        self.pframe = VectorPFrame(config)
        self.heads = nn.ModuleDict(
            {plf: VectorHead(config, history=plf in config.history) for plf in config.heads}
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> VectorCodec:
        return cls(VectorCodecConfig.from_dict(config))

    def frame_dims(self, t: int) -> int:
        c = self.codec_config
        return c.iframe_dims if t == 1 else c.pframe_dims

    def core_parameters(self) -> Iterator[nn.Parameter]:
        yield from self.iframe.parameters()
        yield from self.pframe.parameters()

    def _with_levels(self, latent: torch.Tensor, sent: torch.Tensor) -> torch.Tensor:
        """What the decoders read: the dequantised latent ``ŷ = level − u`` and the level
        ``−1 + kΔ`` itself (both known to the decoder: the symbols and the shared dither).
        With two levels and a latent short of ±1, ``E[x | ŷ]`` is a step in ``ŷ`` that a
        perceptron learns slowly; in ``(ŷ, level)`` it is linear."""
        level = sent.to(latent.dtype) * self.quantizer.step - 1.0
        return torch.cat([latent, level], dim=1)

    def _frame(
        self,
        t: int,
        state: dict[str, torch.Tensor],
        heads,
        randomness: Randomness,
        frame: torch.Tensor | None = None,
        symbols: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Code frame ``t`` (1-based) and update ``state`` (head → output at ``t``); the
        encoder passes ``frame``, the decoder ``symbols``. Returns the frame's symbols."""
        config = self.codec_config
        prediction = None
        if t == 1:
            encode = None if frame is None else lambda: self.iframe.encode(frame)
            latent, sent = self._latent(
                t, "iframe", config.iframe_dims, randomness, encode, symbols
            )
            latent = self._with_levels(latent, sent)
            mmse = self.iframe.decode(latent)
        else:
            # Greedy over time, as in the convolutional codec: frame t trains frame t's coding.
            prediction = self.pframe.predict(state[config.reference].detach())
            encode = None if frame is None else lambda: self.pframe.encode(frame, prediction)
            latent, sent = self._latent(
                t, "pframe", config.pframe_dims, randomness, encode, symbols
            )
            latent = self._with_levels(latent, sent)
            mmse = self.pframe.decode(latent, prediction)

        outputs = {MMSE_HEAD: mmse}
        for plf in config.heads:
            if plf not in heads and plf != config.reference:
                continue
            noise = randomness.normal(t, f"noise/{plf}", (config.noise_dims,))
            history = None
            if plf in config.history:
                history = (
                    torch.zeros_like(mmse)
                    if prediction is None
                    else self.pframe.predict(state[plf].detach())
                )
            outputs[plf] = self.heads[plf](t, latent, noise, mmse, history)
        state.update(outputs)
        return sent
