"""A picture of what the heads do: ``samples.png`` in the run directory.

One row for the source clips, then one row per head (``mse`` first); each row shows the clips
side by side, frames left to right, separated by grey lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

_GAP = 128  # grey separator value
_VECTOR_ROWS = 4  # pixel rows of a vector frame's strip


def _strip(clip: torch.Tensor) -> np.ndarray:
    """Frames (T, C, H, W) in [0, 1] → uint8 (H + 1, T·(W + 1), C), a line after each frame."""
    frames = (clip.detach().to("cpu", torch.float32).clamp(0, 1) * 255).round().to(torch.uint8)
    frames = frames.permute(0, 2, 3, 1).numpy()
    padded = [np.pad(f, ((0, 1), (0, 1), (0, 0)), constant_values=_GAP) for f in frames]
    return np.concatenate(padded, axis=1)


def sample_grid(source: torch.Tensor, reconstructions: Mapping[str, torch.Tensor]) -> np.ndarray:
    """uint8 image (grey (H', W') or colour (H', W', 3)) of ``source`` (n, T, C, H, W) and each
    head's reconstruction of it. Vector frames (H = W = 1, the gauss-markov source) are drawn as
    grey strips of their C samples, −3 black to +3 white."""
    if source.shape[-2:] == (1, 1):
        source = _vector_strips(source)
        reconstructions = {head: _vector_strips(r) for head, r in reconstructions.items()}
    rows = []
    for frames in (source, *reconstructions.values()):
        strips = [_strip(clip) for clip in frames]
        gap = np.full((strips[0].shape[0], 2, strips[0].shape[2]), _GAP, np.uint8)
        rows.append(np.concatenate([part for s in strips for part in (s, gap)][:-1], axis=1))
    grid = np.concatenate(rows, axis=0)
    return grid[..., 0] if grid.shape[-1] == 1 else grid


def _vector_strips(clips: torch.Tensor) -> torch.Tensor:
    """(n, T, d, 1, 1) real samples → (n, T, 1, _VECTOR_ROWS, d) grey values in [0, 1]."""
    grey = clips.detach().flatten(2)[:, :, None, None, :] / 6.0 + 0.5
    return grey.expand(-1, -1, -1, _VECTOR_ROWS, -1)


def save_samples(path: Path, grid: np.ndarray) -> None:
    """Write ``grid`` as a PNG (atomically: temporary file, then rename)."""
    from matplotlib.image import imsave

    tmp = path.with_name(f".{path.name}.tmp.png")
    imsave(tmp, grid, cmap="gray", vmin=0, vmax=255)
    tmp.replace(path)
