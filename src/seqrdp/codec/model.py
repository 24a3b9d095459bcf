"""The sequential codec: frame-by-frame, zero-delay coding with one MMSE head and one
perception head per PLF, all decoding the same fixed-rate bits (docs/design.md).

Frame ``t`` is coded from the frame and the decoder's state after frames ``1..t−1``; the
decoder emits ``X̂_t`` from symbols ``1..t`` alone. Every quantity the decoder computes, the
encoder computes too (closed loop), so both agree on the P-frame reference. Which head's
output is the reference is configuration (``reference``): the MMSE head for the universal codec,
a PLF for an end-to-end codec; the code path is the same.

Faces (CompressAI style): :meth:`SequentialCodec.forward` is the differentiable path;
:meth:`~SequentialCodec.compress` returns the integer symbols of each frame;
:meth:`~SequentialCodec.decompress` / :meth:`~SequentialCodec.decompress_frames` invert it for
any head. With the same seeds, ``decompress(compress(x))`` equals the eval-mode ``forward``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from seqrdp.codec.config import CodecConfig
from seqrdp.codec.heads import PerceptionHead
from seqrdp.codec.iframe import IFrameModel
from seqrdp.codec.networks import Generator, PatchGenerator, category_one_hot
from seqrdp.codec.pframe import PFrameModel
from seqrdp.codec.quantizer import DitheredQuantizer
from seqrdp.codec.randomness import LocalRandomness, SharedRandomness
from seqrdp.errors import UsageError
from seqrdp.moves import move_to_centre
from seqrdp.plfs import MMSE_HEAD

Randomness = SharedRandomness | LocalRandomness


class SequentialCodec(nn.Module):
    """Causal learned video codec (I-frame + scale-space-flow P-frames) with PLF heads.

    Parameters
    ----------
    config
        A :class:`~seqrdp.codec.config.CodecConfig` or a dict of its fields (missing fields
        take their defaults).

    Attributes
    ----------
    iframe, pframe
        The encoders and MMSE decoders (the "core" that universal stage 2 freezes).
    heads
        One :class:`~seqrdp.codec.heads.PerceptionHead` per PLF in ``config.heads``.
    iframe_generator
        With ``iframe_head = "generator"`` or ``"patch"``: the frame-1 decoder every perception
        head shares (a :class:`~seqrdp.codec.networks.Generator` or
        :class:`~seqrdp.codec.networks.PatchGenerator`); ``None`` otherwise.
    """

    def __init__(self, config: CodecConfig | Mapping[str, Any] | None = None) -> None:
        super().__init__()
        if not isinstance(config, CodecConfig):
            config = CodecConfig.from_dict(config or {})
        self.codec_config = config
        c = config.channels
        self.quantizer = DitheredQuantizer(config.levels)
        self.iframe = IFrameModel(config)
        self.pframe = PFrameModel(config)
        self.heads = nn.ModuleDict(
            {
                plf: PerceptionHead(
                    config,
                    history=plf in config.history,
                    base_history=plf in config.history_base,
                )
                for plf in config.heads
            }
        )
        self.iframe_generator: nn.Module | None = None
        # The shared generator's vector: [latent, noise, one-hot category] (generator_input).
        dims = config.iframe_dims + config.noise_dims + config.iframe_categories
        if config.heads and config.iframe_head == "generator":
            self.iframe_generator = Generator(dims, c, c, config.width, config.size)
        elif config.heads and config.iframe_head == "patch":
            self.iframe_generator = PatchGenerator(dims, c, config.width, config.size)

    def generator_input(self, latent: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """The shared frame-1 generator's vector: ``[latent, noise]``, then the one-hot
        categorical code read from the noise when ``iframe_categories`` is set."""
        parts = [latent, noise]
        if self.codec_config.iframe_categories:
            parts.append(category_one_hot(noise, self.codec_config.iframe_categories))
        return torch.cat(parts, dim=1)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SequentialCodec:
        """Build from a plain dict (e.g. a checkpoint's JSON ``codec`` entry)."""
        return cls(CodecConfig.from_dict(config))

    @property
    def config(self) -> dict[str, Any]:
        """The plain-dict configuration; ``from_config(model.config)`` rebuilds the shape."""
        return self.codec_config.to_dict()

    @property
    def head_names(self) -> tuple[str, ...]:
        """All heads: :data:`~seqrdp.plfs.MMSE_HEAD` then the PLFs."""
        return (MMSE_HEAD, *self.codec_config.heads)

    @property
    def frame_bits(self) -> tuple[int, int]:
        """Bits of frame 1, 2, …; the last value repeats for longer videos."""
        return self.codec_config.frame_bits

    def rate_bits(self, frames: int) -> list[int]:
        """Exact bits of each of ``frames`` frames."""
        first, later = self.frame_bits
        return [first if t == 1 else later for t in range(1, frames + 1)]

    def frame_dims(self, t: int) -> int:
        """Number of symbols of frame ``t`` (1-based)."""
        c = self.codec_config
        return c.iframe_dims if t == 1 else c.motion_dims + c.residual_dims

    def core_parameters(self) -> Iterator[nn.Parameter]:
        """Parameters of the encoders and MMSE decoders (everything but the heads)."""
        yield from self.iframe.parameters()
        yield from self.pframe.parameters()

    def _latent(
        self,
        t: int,
        purpose: str,
        dims: int,
        randomness: Randomness,
        encode: Callable[[], torch.Tensor] | None,
        symbols: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Dequantised latent and its symbols: quantised from ``encode()`` at the encoder, or
        read from ``symbols`` at the decoder; the dither is the same either way."""
        dither = self.quantizer.dither(randomness.uniform(t, f"dither/{purpose}", (dims,)))
        if encode is not None:
            return self.quantizer(encode(), dither)
        assert symbols is not None
        return self.quantizer.dequantize(symbols, dither), symbols

    def _frame(
        self,
        t: int,
        state: dict[str, torch.Tensor],
        heads: Sequence[str],
        randomness: Randomness,
        frame: torch.Tensor | None = None,
        symbols: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Code frame ``t`` (1-based) and update ``state`` (head → output at ``t``).

        The encoder passes ``frame``, the decoder ``symbols``; both run the same decoding.
        Returns the frame's symbols (N, frame_dims(t)).
        """
        config = self.codec_config

        def encoder(fn: Callable[..., torch.Tensor], *images: torch.Tensor):
            return None if frame is None else lambda: fn(frame, *images)

        def part(lo: int, hi: int | None) -> torch.Tensor | None:
            return None if symbols is None else symbols[:, lo:hi]

        if t == 1:
            latent, sent = self._latent(
                t, "iframe", config.iframe_dims, randomness,
                encoder(self.iframe.encode), part(0, config.iframe_dims),
            )  # fmt: skip
            mmse = self.iframe.decode(latent)
            field = None
        else:
            # Greedy over time (the theory's sequential optimum): frame t's loss trains frame
            # t's coding given the past; the clamp matches training to decoding.
            reference = state[config.reference].detach().clamp(0.0, 1.0)
            m = config.motion_dims
            motion, motion_sent = self._latent(
                t, "motion", m, randomness,
                encoder(self.pframe.encode_motion, reference), part(0, m),
            )  # fmt: skip
            field = self.pframe.decode_field(motion, reference)
            prediction = self.pframe.predict(reference, field)
            residual, residual_sent = self._latent(
                t, "residual", config.residual_dims, randomness,
                encoder(self.pframe.encode_residual, prediction), part(m, None),
            )  # fmt: skip
            mmse = self.pframe.decode_residual(residual, prediction)
            latent = torch.cat([motion, residual], dim=1)
            sent = torch.cat([motion_sent, residual_sent], dim=1)

        outputs = {MMSE_HEAD: mmse}
        drawn = None
        if t == 1 and self.iframe_generator is not None and config.heads:
            # Every PLF compares P(X_1) with P(X̂_1) at frame 1: one shared frame-1 decoder
            # (and noise), so every head starts its clip from the same X̂_1.
            noise = randomness.normal(t, "noise/iframe", (config.noise_dims,))
            drawn = self.iframe_generator(self.generator_input(latent, noise), mmse)
        for plf in config.heads:
            if plf not in heads and plf != config.reference:
                continue
            if drawn is not None:
                outputs[plf] = drawn
                continue
            noise = randomness.normal(t, f"noise/{plf}", (config.noise_dims,))
            history = None
            # The head's past output moved onto this frame (by the field, or onto the MMSE
            # frame's centre of mass); detached like the reference (frame t's loss trains
            # frame t's decoding, not the past).
            if plf in config.history:
                past = state[plf].detach() if field is not None else None
                if past is None:
                    history = torch.zeros_like(mmse)
                elif config.history_align == "centre":
                    history = move_to_centre(past, mmse, config.history_step)
                else:
                    history = self.pframe.predict(past, field)
            outputs[plf] = self.heads[plf](t, latent, noise, mmse, history)
        state.update(outputs)
        return sent

    def _check_heads(self, heads: Iterable[str]) -> tuple[str, ...]:
        heads = tuple(heads)
        for head in heads:
            if head not in self.head_names:
                raise UsageError(f"unknown head {head!r}; this model has {list(self.head_names)}")
        return heads

    def _check_video(self, video: torch.Tensor) -> None:
        c, (h, w) = self.codec_config.channels, self.codec_config.size
        if video.dim() != 5 or tuple(video.shape[2:]) != (c, h, w):
            raise UsageError(
                f"video of shape {tuple(video.shape)} does not match (N, T, {c}, {h}, {w})"
            )

    def _randomness(self, batch: int, seeds: Sequence[int] | None, device) -> Randomness:
        if seeds is None:
            return LocalRandomness(batch, device)
        if len(seeds) != batch:
            raise UsageError(f"{len(seeds)} seeds for a batch of {batch} sequences")
        return SharedRandomness(seeds, device)

    def forward(
        self,
        video: torch.Tensor,
        *,
        heads: Iterable[str] | None = None,
        seeds: Sequence[int] | None = None,
    ) -> dict[str, Any]:
        """Differentiable coding of ``video`` (N, T, C, H, W) in [0, 1].

        Parameters
        ----------
        heads
            Heads to return (default: all, the MMSE head first). The reference head is always
            computed.
        seeds
            One integer per sequence: dither and noise come from the shared randomness and
            match :meth:`compress` / :meth:`decompress`. ``None``: torch's generator
            (training).

        Returns
        -------
        dict
            ``"reconstructions"``: head → (N, T, C, H, W); ``"rate_bits"``: bits per frame.
        """
        self._check_video(video)
        heads = self._check_heads(self.head_names if heads is None else heads)
        n, frames = video.shape[:2]
        randomness = self._randomness(n, seeds, video.device)
        state: dict[str, torch.Tensor] = {}
        outputs: dict[str, list[torch.Tensor]] = {head: [] for head in heads}
        for t in range(1, frames + 1):
            self._frame(t, state, heads, randomness, frame=video[:, t - 1])
            for head in heads:
                outputs[head].append(state[head])
        return {
            "reconstructions": {head: torch.stack(o, dim=1) for head, o in outputs.items()},
            "rate_bits": self.rate_bits(frames),
        }

    def compress(self, video: torch.Tensor, seeds: Sequence[int]) -> list[np.ndarray]:
        """Symbols of every frame: a list of T int64 arrays (N, frame_dims(t)), values in
        ``[0, levels)``. The decoder also needs the ``seeds`` and the frame size."""
        self._check_video(video)
        _use_channels_last(self, video.device)
        n, frames = video.shape[:2]
        randomness = self._randomness(n, seeds, video.device)
        state: dict[str, torch.Tensor] = {}
        symbols = []
        with torch.inference_mode():
            if video.device.type == "cpu":
                video = _channels_last_frames(video)
            for t in range(1, frames + 1):
                sent = self._frame(t, state, (), randomness, frame=video[:, t - 1])
                symbols.append(sent.cpu().numpy().astype(np.int64))
        return symbols

    @torch.inference_mode()
    def decompress_frames(
        self,
        symbols: Iterable[np.ndarray],
        seeds: Sequence[int],
        head: str = MMSE_HEAD,
        size: tuple[int, int] | None = None,
    ) -> Iterator[torch.Tensor]:
        """Decode frame after frame: yields ``X̂_t`` (N, C, H, W) as soon as the symbols of
        frame ``t`` have been read (zero delay; ``symbols`` may be a lazy iterable).

        The frames are inference tensors (:func:`torch.inference_mode`): read them, or copy
        them with ``.clone()`` before changing them in place."""
        (head,) = self._check_heads([head])
        if size is not None and tuple(size) != tuple(self.codec_config.size):
            raise UsageError(
                f"frame size {tuple(size)} does not match the model's {self.codec_config.size}"
            )
        device = next(self.parameters()).device
        _use_channels_last(self, device)
        randomness = self._randomness(len(seeds), seeds, device)
        state: dict[str, torch.Tensor] = {}
        for t, array in enumerate(symbols, start=1):
            array = np.asarray(array)
            expected = (len(seeds), self.frame_dims(t))
            if array.shape != expected:
                raise UsageError(f"frame {t}: symbols of shape {array.shape}, expected {expected}")
            if array.size and (array.min() < 0 or array.max() >= self.quantizer.levels):
                raise UsageError(f"frame {t}: symbols outside [0, {self.quantizer.levels})")
            received = torch.from_numpy(array.astype(np.int64)).to(device)
            self._frame(t, state, (head,), randomness, symbols=received)
            yield state[head]

    def decompress(
        self,
        symbols: Iterable[np.ndarray],
        seeds: Sequence[int],
        head: str = MMSE_HEAD,
        size: tuple[int, int] | None = None,
    ) -> torch.Tensor:
        """All frames decoded by ``head``: (N, T, C, H, W) in [0, 1]."""
        return torch.stack(list(self.decompress_frames(symbols, seeds, head, size)), dim=1)


def _use_channels_last(model: nn.Module, device: torch.device) -> None:
    """Store a CPU model's convolution weights channels-last (NHWC), once.

    oneDNN then convolves channels-last activations with its direct NHWC kernels instead of
    reordering every activation to a blocked layout and back around every convolution: encode
    and decode ran 25–30 % faster (``benchmarks/bench_codec_speed.py``). The weights' values
    do not change, only their strides (checkpoints are saved contiguous). The convolutions'
    rounding does, by about 1e-6, as between batch sizes: on 144 Moving MNIST and noise clips
    with every shipped model no symbol changed.
    """
    if device.type != "cpu" or getattr(model, "_channels_last", False):
        return
    # Outside inference mode: parameters made inside it could never be trained again.
    with torch.inference_mode(False), torch.no_grad():
        model.to(memory_format=torch.channels_last)
    model._channels_last = True


def _channels_last_frames(video: torch.Tensor) -> torch.Tensor:
    """A copy of ``video`` (N, T, C, H, W) whose frames ``video[:, t]`` are channels-last, like
    the activations they meet (explicit strides: with C = 1 ``contiguous`` keeps NCHW ones)."""
    _, frames, c, h, w = video.shape
    strides = (frames * h * w * c, h * w * c, 1, w * c, c)
    out = torch.empty_strided(video.shape, strides, dtype=video.dtype, device=video.device)
    return out.copy_(video)
