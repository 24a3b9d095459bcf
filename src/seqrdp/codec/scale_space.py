"""Scale-space flow warping (Agustsson et al., *Scale-Space Flow for End-to-End Optimized
Video Compression*, CVPR 2020, Sec. 3).

A reference frame ``x`` is turned into a volume of progressively blurred copies
``[x, x * G(σ₀), x * G(2σ₀), x * G(4σ₀), …]`` (``D`` levels, depth axis). A field
``(flow_x, flow_y, scale)`` then samples this volume trilinearly at
``(i + flow_y, j + flow_x, scale)``: ``scale = 0`` picks the sharp reference, ``scale = 1``
the blurriest level. Blurring lets the prediction fade out where motion cannot explain the
frame (disocclusions), which plain bilinear warping cannot do.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F


def gaussian_kernel(sigma: float) -> torch.Tensor:
    """Normalised 1-D Gaussian of standard deviation ``sigma`` pixels, radius ``⌈3σ⌉``."""
    radius = max(1, math.ceil(3.0 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``x`` (N, C, H, W) with edge replication; ``sigma = 0`` is
    the identity."""
    if sigma == 0:
        return x
    kernel = _kernel(sigma, x.dtype, x.device)
    channels = x.shape[1]
    radius = (kernel.numel() - 1) // 2
    rows = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    cols = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), rows, groups=channels)
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), cols, groups=channels)


@functools.cache
def _kernel(sigma: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """:func:`gaussian_kernel` built once per process, not on every warp of every frame.
    Made outside inference mode, so that a kernel first built while decoding still serves
    training."""
    with torch.inference_mode(False):
        return gaussian_kernel(sigma).to(dtype=dtype, device=device)


@functools.cache
def _base_grid(
    h: int, w: int, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised sampling coordinates ``(y, x)`` of every pixel, each (H, W), in [−1, 1]."""
    with torch.inference_mode(False):
        ys = torch.linspace(-1.0, 1.0, h, device=device, dtype=dtype)
        xs = torch.linspace(-1.0, 1.0, w, device=device, dtype=dtype)
        return torch.meshgrid(ys, xs, indexing="ij")


def scale_space_sigmas(levels: int, sigma: float) -> list[float]:
    """Blur of each depth level: ``[0, σ₀, 2σ₀, 4σ₀, …]`` (``levels`` values)."""
    return [0.0] + [sigma * 2.0**k for k in range(levels - 1)]


def scale_space_volume(x: torch.Tensor, levels: int, sigma: float) -> torch.Tensor:
    """Stack of blurred copies of ``x`` (N, C, H, W) → (N, C, levels, H, W)."""
    return torch.stack([gaussian_blur(x, s) for s in scale_space_sigmas(levels, sigma)], dim=2)


def scale_space_warp(
    reference: torch.Tensor, field: torch.Tensor, levels: int, sigma: float
) -> torch.Tensor:
    """Warp ``reference`` (N, C, H, W) by a scale-space ``field`` (N, 3, H, W).

    ``field[:, 0]`` and ``field[:, 1]`` are displacements in pixels along x (width) and y
    (height): output pixel ``(i, j)`` reads the reference at ``(i + flow_y, j + flow_x)``;
    ``field[:, 2]`` is the scale in [0, 1] (0 sharp, 1 the blurriest of ``levels``). Samples
    outside the frame repeat the border.
    """
    _, _, h, w = reference.shape
    volume = scale_space_volume(reference, levels, sigma)
    base_y, base_x = _base_grid(h, w, reference.dtype, reference.device)
    # align_corners=True: one pixel is 2/(size − 1) in normalised coordinates.
    grid_x = base_x + field[:, 0] * (2.0 / max(w - 1, 1))
    grid_y = base_y + field[:, 1] * (2.0 / max(h - 1, 1))
    grid_z = field[:, 2] * 2.0 - 1.0
    grid = torch.stack([grid_x, grid_y, grid_z], dim=-1).unsqueeze(1)  # (N, 1, H, W, 3)
    warped = F.grid_sample(volume, grid, mode="bilinear", padding_mode="border", align_corners=True)
    warped = warped.squeeze(2)
    # In the reference's memory layout (channels-last when decoding on a CPU), so that the
    # convolutions it feeds need no reorder.
    out = torch.empty_like(reference)
    return warped if out.stride() == warped.stride() else out.copy_(warped)
