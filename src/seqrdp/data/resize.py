"""Center crop and area resampling of frames (no torchvision, no OpenCV).

Area resampling treats each output pixel as a box covering ``in / out`` input pixels and
averages the input over that box, weighting partly covered pixels by the covered fraction (the
box filter of OpenCV's ``INTER_AREA`` when shrinking). It is separable: ``Y = A_h X A_wᵀ`` with
``A[i, j] = |[i s, (i + 1) s) ∩ [j, j + 1)| / s`` and ``s = in / out``, so every row of ``A``
sums to 1 and the mean brightness of a frame is preserved.
"""

from __future__ import annotations

import numpy as np


def area_weights(size_in: int, size_out: int) -> np.ndarray:
    """The ``(size_out, size_in)`` area-resampling matrix ``A`` described in the module doc."""
    scale = size_in / size_out
    lower = np.arange(size_out)[:, None] * scale
    upper = lower + scale
    pixel = np.arange(size_in)[None, :]
    overlap = np.clip(np.minimum(upper, pixel + 1) - np.maximum(lower, pixel), 0.0, None)
    return overlap / scale


def center_crop_box(height: int, width: int, aspect: float) -> tuple[slice, slice]:
    """Rows and columns of the largest centred box of ``height / width`` ratio ``aspect``."""
    crop_height = min(height, round(width * aspect))
    crop_width = min(width, round(height / aspect))
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    return slice(top, top + crop_height), slice(left, left + crop_width)


def resize_frames(frames: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Center-crop frames to the target aspect ratio, then area-resample them to ``size``.

    Parameters
    ----------
    frames : np.ndarray
        uint8 ``(T, H, W)`` or ``(T, H, W, 3)``.
    size : int or (int, int)
        Output ``(height, width)``; an int means a square.

    Returns
    -------
    np.ndarray
        uint8 ``(T, height, width[, 3])``, rounded to the nearest level. A 160×120 KTH frame
        becomes its central 120×120 square averaged down, e.g. to 64×64.
    """
    height_out, width_out = (size, size) if isinstance(size, int) else size
    if height_out < 1 or width_out < 1:
        raise ValueError(f"size must be positive, got {size}")
    if frames.ndim not in (3, 4):
        raise ValueError(f"frames must be (T, H, W) or (T, H, W, 3), got {frames.shape}")
    rows, cols = center_crop_box(frames.shape[1], frames.shape[2], height_out / width_out)
    cropped = frames[:, rows, cols]
    if cropped.shape[1:3] == (height_out, width_out):
        return np.ascontiguousarray(cropped)
    weights_h = area_weights(cropped.shape[1], height_out).astype(np.float32)
    weights_w = area_weights(cropped.shape[2], width_out).astype(np.float32)
    pixels = cropped.astype(np.float32)
    if pixels.ndim == 3:
        pixels = pixels[..., None]
    resized = np.einsum("ih,thwc,jw->tijc", weights_h, pixels, weights_w, optimize=True)
    resized = np.rint(resized).clip(0, 255).astype(np.uint8)
    return resized[..., 0] if frames.ndim == 3 else resized
