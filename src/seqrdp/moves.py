"""Whole-pixel moves of frames of one object on a dark background: centre of mass and
translation, with no resampling.

Shared by the codec (the ``centre`` history and the ``patch`` frame-1 generator) and by the
critics' aligned view of the past (``seqrdp.perception.plf``); it knows neither.
"""

from __future__ import annotations

import torch

__all__ = ["centre_of_mass", "move_to_centre", "translate"]


def centre_of_mass(frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Centre of mass (row, column) of each frame (N, C, H, W), channels summed, negative
    values as zero, rounded to whole pixels; the frame's centre where it is all black.
    No gradient flows through it."""
    h, w = frames.shape[-2:]
    mass = frames.detach().clamp(min=0.0).sum(dim=1)  # (N, H, W)
    total = mass.flatten(1).sum(dim=1)
    rows = torch.arange(h, dtype=mass.dtype, device=mass.device)
    cols = torch.arange(w, dtype=mass.dtype, device=mass.device)
    safe = total.clamp(min=1e-6)
    row = torch.where(total > 1e-6, (mass.sum(dim=2) * rows).sum(dim=1) / safe, (h - 1) / 2)
    col = torch.where(total > 1e-6, (mass.sum(dim=1) * cols).sum(dim=1) / safe, (w - 1) / 2)
    return row.round(), col.round()


def translate(frames: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """Move each frame (N, C, H, W) down by ``rows[i]`` and right by ``cols[i]`` whole pixels
    (N each, whole numbers), black where it moves in from outside. Pixels are copied, not
    interpolated."""
    n, c, h, w = frames.shape
    # Output pixel (i, j) is input pixel (i − rows, j − cols) where that lies in the frame.
    ys = torch.arange(h, device=frames.device).view(1, h, 1) - rows.long().view(n, 1, 1)
    xs = torch.arange(w, device=frames.device).view(1, 1, w) - cols.long().view(n, 1, 1)
    inside = ((ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)).view(n, 1, h * w)
    index = (ys.clamp(0, h - 1) * w + xs.clamp(0, w - 1)).view(n, 1, h * w).expand(n, c, -1)
    picked = frames.reshape(n, c, h * w).gather(2, index)
    return torch.where(inside, picked, torch.zeros_like(picked)).view(n, c, h, w)


def move_to_centre(frames: torch.Tensor, target: torch.Tensor, limit: float = 0.0) -> torch.Tensor:
    """``frames`` translated at whole pixels so that each one's :func:`centre_of_mass` lands
    on that of the same sample of ``target`` (both (N, C, H, W)); with ``limit > 0`` it moves
    along that way by at most ``limit`` pixels (the step rounded to whole pixels)."""
    row, col = centre_of_mass(frames)
    target_row, target_col = centre_of_mass(target)
    rows, cols = target_row - row, target_col - col
    if limit > 0:
        scale = (limit / torch.hypot(rows, cols).clamp(min=1e-9)).clamp(max=1.0)
        rows, cols = (rows * scale).round(), (cols * scale).round()
    return translate(frames, rows, cols)
