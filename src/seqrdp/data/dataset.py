"""Video datasets for PyTorch: a dataset file read lazily, and the uint8 ↔ tensor convention.

Every dataset of :mod:`seqrdp.data` yields videos as float32 tensors ``(T, C, H, W)`` with
values ``pixel / 255`` in ``[0, 1]`` (``C = 1`` grey, ``3`` RGB); :func:`frames_to_tensor` and
:func:`tensor_to_frames` are that convention and its inverse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.utils.data

from seqrdp.data.arrays import VideoSet, load_videoset
from seqrdp.errors import UsageError


def frames_to_tensor(frames: np.ndarray, *, leading: int = 1) -> torch.Tensor:
    """uint8 frames → float32 equal to pixel / 255, channels before height and width.

    ``frames`` has ``leading`` axes before each frame: 1 for a video, ``(T, H, W)`` or
    ``(T, H, W, 3)`` → ``(T, C, H, W)``; 2 for a batch of clips, ``(N, T, H, W)`` or
    ``(N, T, H, W, 3)`` → ``(N, T, C, H, W)``. (The number of axes alone cannot tell an RGB
    video from a batch of grey clips.)
    """
    tensor = torch.from_numpy(np.asarray(frames, dtype=np.float32) / np.float32(255.0))
    if tensor.ndim == leading + 3:  # (..., H, W, 3) colour
        return tensor.movedim(-1, leading).contiguous()
    return tensor.unsqueeze(leading)


def tensor_to_frames(video: torch.Tensor) -> np.ndarray:
    """float ``(T, C, H, W)`` in ``[0, 1]`` → uint8 ``(T, H, W)`` (C = 1) or ``(T, H, W, 3)``.

    Values are clipped to ``[0, 1]`` and rounded to the nearest of the 256 levels, so
    ``tensor_to_frames(frames_to_tensor(x)) == x`` exactly.
    """
    levels = (video.detach().to("cpu", torch.float32).clamp(0, 1) * 255).round().to(torch.uint8)
    if levels.shape[1] == 1:
        return levels[:, 0].numpy()
    return levels.permute(0, 2, 3, 1).contiguous().numpy()


class VideoDataset(torch.utils.data.Dataset):
    """A map-style dataset over a dataset file or a :class:`VideoSet`, one video per item.

    Item ``i`` is :func:`frames_to_tensor` of video ``i``: float32 ``(T, 1, H, W)`` (grey) or
    ``(T, 3, H, W)`` (RGB) in ``[0, 1]``. A ``.npy`` file is memory-mapped and read one video at
    a time (each DataLoader worker maps it again rather than receiving a copy); anything else
    :func:`~seqrdp.data.arrays.load_videoset` reads (video file, PNG directory) is held in memory.

    Parameters
    ----------
    path_or_videoset : str, Path or VideoSet
        The data.
    frames : int or None
        Keep only the first ``frames`` frames of each video (all when ``None``).

    Raises
    ------
    UsageError
        Unreadable file (see ``load_videoset``) or ``frames`` outside ``1..T``.
    """

    def __init__(self, path_or_videoset: str | Path | VideoSet, frames: int | None = None):
        if isinstance(path_or_videoset, VideoSet):
            self.path: Path | None = None
            data = path_or_videoset
        else:
            self.path = Path(path_or_videoset)
            data = load_videoset(self.path, mmap=True)
        self._videos: np.ndarray | None = data.videos
        self._labels = data.labels
        self._sequences = len(data)
        self.meta = data.meta
        if frames is not None and not 1 <= frames <= data.frames:
            source = self.path or "the video set"
            raise UsageError(
                f"frames must be between 1 and {data.frames} for {source}, got {frames}"
            )
        self.frames = data.frames if frames is None else frames

    def __len__(self) -> int:
        return self._sequences

    def __getitem__(self, index: int) -> torch.Tensor:
        if not -len(self) <= index < len(self):
            raise IndexError(f"video {index} out of range for {len(self)} videos")
        return frames_to_tensor(self._array()[index, : self.frames])

    def labels(self, index: int) -> np.ndarray | None:
        """Labels of video ``index`` as int64 (``(digits,)`` or 0-d), or ``None`` if unlabelled."""
        return None if self._labels is None else np.asarray(self._labels[index])

    def _array(self) -> np.ndarray:
        if self._videos is None:  # dropped when pickled into a worker: map the file again
            self._videos = load_videoset(self.path, mmap=True).videos
        return self._videos

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if isinstance(self._videos, np.memmap):
            state["_videos"] = None  # pickling a memmap would copy the whole file
        return state
