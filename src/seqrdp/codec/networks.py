"""The building blocks of every codec part.

* :class:`Encoder` — images → a bounded vector latent (strided convolutions down to
  ``H/16 × W/16``, a linear layer, ``tanh``), the input of the quantiser.
* :class:`ConditionalDecoder` — a vector (dequantised latent, optionally with noise) plus
  conditioning images the decoder already has (reference, prediction, MMSE reconstruction,
  past output) → an image-sized map. A small U-Net: the conditioning images are encoded to the
  same four scales and joined to the upsampling path by skip connections, and the vector
  enters at the ``H/16`` bottleneck, so the output can copy structure from the conditioning
  images (pixel-aligned) and place new structure anywhere (global).

Widths halve at the two finest scales to keep a 64×64 model cheap on a CPU.

Decoders that refine an image they are given (the residual decoder, the perception heads) add
their output to it and bound the sum with :func:`clamp_straight_through`, starting near the
identity (:func:`shrink_`).
"""

from __future__ import annotations

import itertools
import warnings

import torch
from torch import nn

from seqrdp.moves import centre_of_mass

DOWNSAMPLINGS = 4  # strided stages: frames must be divisible by 2**4 = 16


def _widths(width: int) -> list[int]:
    """Channels at scales 1/2, 1/4, 1/8, 1/16 of the frame."""
    return [max(width // 2, 1), width, width, width]


def _linear(inputs: int, outputs: int) -> nn.Linear:
    # A zero-dimensional latent (a frame sent with 0 bits) is legal: the layer then holds
    # only its bias, and torch warns that initialising an empty weight does nothing.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Initializing zero-element tensors")
        return nn.Linear(inputs, outputs)


class Encoder(nn.Module):
    """Images (N, in_channels, H, W) → latent (N, dims) in [−1, 1].

    Parameters
    ----------
    in_channels
        Channels of the (stacked) input images.
    dims
        Latent dimensions.
    width
        Channels at the coarse scales.
    size
        Frame size ``(H, W)``, both divisible by 16.
    """

    def __init__(self, in_channels: int, dims: int, width: int, size: tuple[int, int]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for out in _widths(width):
            layers += [nn.Conv2d(channels, out, 5, stride=2, padding=2), nn.LeakyReLU(0.2)]
            channels = out
        self.features = nn.Sequential(*layers)
        cells = (size[0] >> DOWNSAMPLINGS) * (size[1] >> DOWNSAMPLINGS)
        self.project = _linear(channels * cells, dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.project(self.features(x).flatten(1)))


class ConditionalDecoder(nn.Module):
    """Vector (N, dims) and conditioning images (N, cond_channels, H, W) → (N, out_channels,
    H, W), unbounded (the caller applies its output map).

    Parameters
    ----------
    dims
        Length of the input vector (latent dimensions plus noise dimensions).
    cond_channels
        Channels of the conditioning images; 0 for a decoder that sees only the vector.
    out_channels
        Output channels.
    width
        Channels at the coarse scales.
    size
        Frame size ``(H, W)``, both divisible by 16.
    """

    def __init__(
        self,
        dims: int,
        cond_channels: int,
        out_channels: int,
        width: int,
        size: tuple[int, int],
    ) -> None:
        super().__init__()
        widths = _widths(width)
        self.bottom = (size[0] >> DOWNSAMPLINGS, size[1] >> DOWNSAMPLINGS)
        self.cond_channels = cond_channels
        self.project = _linear(dims, widths[-1] * self.bottom[0] * self.bottom[1])
        self.act = nn.LeakyReLU(0.2)
        if cond_channels:
            downs, channels = [], cond_channels
            for out in widths:
                downs.append(nn.Conv2d(channels, out, 3, stride=2, padding=1))
                channels = out
            self.downs = nn.ModuleList(downs)
        skips = widths if cond_channels else [0] * len(widths)
        self.merge = nn.Conv2d(widths[-1] + skips[-1], widths[-1], 3, padding=1)
        # Upsampling path from 1/16 to full size; stage k joins the skip at that scale.
        ups, channels = [], widths[-1]
        targets = [*widths[-2::-1], widths[0]]  # channels at 1/8, 1/4, 1/2, 1
        finer_skips = [*skips[-2::-1], cond_channels]
        for out, skip in zip(targets, finer_skips, strict=True):
            ups.append(nn.Conv2d(channels + skip, out, 3, padding=1))
            channels = out
        self.ups = nn.ModuleList(ups)
        self.out = nn.Conv2d(channels, out_channels, 3, padding=1)

    def forward(self, vector: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.act(self.project(vector)).view(vector.shape[0], -1, *self.bottom)
        skips: list[torch.Tensor] = []
        if self.cond_channels:
            assert cond is not None, "this decoder needs conditioning images"
            c = cond
            for down in self.downs:
                skips.append(c)
                c = self.act(down(c))
            h = torch.cat([h, c], dim=1)
        h = self.act(self.merge(h))
        for up in self.ups:
            h = nn.functional.interpolate(h, scale_factor=2.0, mode="nearest")
            if skips:
                h = torch.cat([h, skips.pop()], dim=1)
            h = self.act(up(h))
        return self.out(h)


def clamp_straight_through(x: torch.Tensor) -> torch.Tensor:
    """``clamp(x, 0, 1)`` in value, identity in gradient.

    A bounded output whose gradient never vanishes: a pixel pushed out of range (or held at
    black by the MSE term) still receives the loss's gradient, unlike a saturated sigmoid,
    which stalls a GAN-trained decoder on the black background of Moving MNIST.
    """
    return x + (x.clamp(0.0, 1.0) - x).detach()


def shrink_(layer: nn.Conv2d, scale: float = 0.1) -> None:
    """Scale a final layer's initial weights down and zero its bias, so that a decoder starts
    near "add nothing" without blocking its inputs' first gradients (as exact zeros would)."""
    with torch.no_grad():
        layer.weight.mul_(scale)
        layer.bias.zero_()


def category_one_hot(noise: torch.Tensor, categories: int) -> torch.Tensor:
    """(N, dims) noise → (N, categories) one-hot of the index of the largest of its first
    ``categories`` coordinates: a categorical code, uniform over its values for i.i.d.
    Gaussian noise, that a decoder reads from the noise it already shares with the encoder."""
    index = noise[:, :categories].argmax(dim=1)
    return nn.functional.one_hot(index, categories).to(noise.dtype)


class PixelNorm(nn.Module):
    """Normalise each pixel's feature vector to unit mean square (Karras et al., ICLR 2018):
    the generator's normalisation, independent of the batch, so decoding one clip gives what
    decoding it in any batch gives."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


class Generator(nn.Module):
    """Vector (N, dims) and conditioning images (N, cond_channels, H, W) → an image drawn from
    scratch, in [0, 1] (DCGAN-style: Radford et al., ICLR 2016).

    Unlike :class:`ConditionalDecoder`, whose output refines an image it is given, this draws
    the frame itself: the vector (latent and noise) is projected to ``H/16 × W/16`` and
    upsampled stage by stage, widths falling from ``4·width`` to ``width/2``, with the
    conditioning images, average-pooled to each scale, joined at every stage (they say where
    things are; the noise says what they look like). The output is bounded by
    :func:`clamp_straight_through` and starts near black (:func:`shrink_`): a sigmoid saturates
    on the black background and stops the critic's gradient.
    """

    def __init__(
        self, dims: int, cond_channels: int, out_channels: int, width: int, size: tuple[int, int]
    ) -> None:
        super().__init__()
        self.bottom = (size[0] >> DOWNSAMPLINGS, size[1] >> DOWNSAMPLINGS)
        widths = [4 * width, 4 * width, 2 * width, width, max(width // 2, 1)]
        self.project = _linear(dims, widths[0] * self.bottom[0] * self.bottom[1])
        self.cond_channels = cond_channels
        self.stages = nn.ModuleList(
            nn.Conv2d(inputs + cond_channels, out, 3, padding=1)
            for inputs, out in itertools.pairwise(widths)
        )
        self.norm = PixelNorm()
        self.act = nn.LeakyReLU(0.2)
        self.out = nn.Conv2d(widths[-1] + cond_channels, out_channels, 3, padding=1)
        shrink_(self.out)

    def forward(self, vector: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.project(vector).view(vector.shape[0], -1, *self.bottom)
        h = self.act(self.norm(h))

        def join(h: torch.Tensor) -> torch.Tensor:
            if not self.cond_channels:
                return h
            assert cond is not None, "this generator needs conditioning images"
            scaled = nn.functional.adaptive_avg_pool2d(cond, h.shape[-2:])
            return torch.cat([h, scaled], dim=1)

        for stage in self.stages:
            h = nn.functional.interpolate(h, scale_factor=2.0, mode="nearest")
            h = self.act(self.norm(stage(join(h))))
        return clamp_straight_through(self.out(join(h)))


class PatchGenerator(nn.Module):
    """Vector (N, dims) and the MMSE frame (N, C, H, W) → a frame that is black but for a
    ``patch × patch`` window drawn by a :class:`Generator` and centred, at whole pixels, on the
    MMSE frame's centre of mass.

    A prior for frames of one object on a dark background (Moving MNIST): where the object is
    comes from the bits (the MMSE frame's blob), what it looks like from the noise, and the
    generator only has to draw the object, at the size of the object. Pasting at whole pixels
    moves the patch without resampling it, so it is not blurred.
    """

    def __init__(
        self, dims: int, out_channels: int, width: int, size: tuple[int, int], patch: int = 32
    ) -> None:
        super().__init__()
        self.patch = patch
        self.generator = Generator(dims, 0, out_channels, width, (patch, patch))

    def centre(self, mmse: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Where the patch goes: :func:`centre_of_mass` of the MMSE frame."""
        return centre_of_mass(mmse)

    def forward(self, vector: torch.Tensor, mmse: torch.Tensor) -> torch.Tensor:
        patch = self.generator(vector)
        h, w = mmse.shape[-2:]
        row, col = self.centre(mmse)
        half = self.patch / 2
        # Output pixel j reads patch pixel k = j − col + patch/2, whose centre has the
        # normalised coordinate (2k + 1)/patch − 1 (align_corners=False): whole-pixel offsets
        # land on pixel centres, so nothing is interpolated.
        ys = (torch.arange(h, dtype=patch.dtype, device=patch.device) - row[:, None] + 0.5) / half
        xs = (torch.arange(w, dtype=patch.dtype, device=patch.device) - col[:, None] + 0.5) / half
        grid = torch.stack(
            [xs[:, None, :].expand(-1, h, -1), ys[:, :, None].expand(-1, -1, w)], dim=-1
        )
        return nn.functional.grid_sample(
            patch, grid, mode="bilinear", padding_mode="zeros", align_corners=False
        )
