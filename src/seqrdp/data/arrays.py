"""The dataset file: a uint8 ``.npy`` array of videos with a ``.json`` sidecar.

Format (``FILE.npy`` + ``FILE.json``, same stem):

- ``FILE.npy`` holds ``videos``, uint8, shape ``(N, T, H, W)`` (grey) or ``(N, T, H, W, 3)``
  (RGB); 0 is black, 255 white. Plain ``np.load`` reads it.
- ``FILE.json`` holds ``{"labels": ..., "meta": {...}}``: ``labels`` is a nested list with first
  axis ``N`` (``(N, digits)`` digit classes for Moving MNIST, ``(N,)`` action indices for KTH)
  or ``null``; ``meta`` records how the data were made (generator parameters, split, seed, label
  names, source).

:func:`load_videoset` also reads a bare ``.npy`` (no sidecar) and any video file or directory of
PNG frames (via :mod:`seqrdp.data.video`), as a set of one video.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seqrdp.data.atomic import atomic_output
from seqrdp.data.npy import read_npy
from seqrdp.data.video import read_video
from seqrdp.errors import UsageError

SIDECAR_SUFFIX = ".json"
# Labels are class indices (digits, actions): anything beyond int32 is a corrupt sidecar.
MAX_LABEL = 2**31 - 1


@dataclass(frozen=True)
class VideoSet:
    """A set of equally long videos in memory, with optional labels and a description.

    Attributes
    ----------
    videos : np.ndarray
        uint8, ``(N, T, H, W)`` grey or ``(N, T, H, W, 3)`` RGB.
    labels : np.ndarray or None
        int64 with first axis ``N``: ``(N, digits)`` for Moving MNIST, ``(N,)`` for KTH.
    meta : dict
        JSON-serialisable description: generator parameters, split, seed, label names, source.
    """

    videos: np.ndarray
    labels: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problem = _layout_problem(self.videos)
        if problem:
            raise ValueError(f"videos {problem}")
        if self.labels is not None and (self.labels.ndim == 0 or len(self.labels) != len(self)):
            raise ValueError(f"labels need first axis {len(self)}, got shape {self.labels.shape}")

    def __len__(self) -> int:
        return int(self.videos.shape[0])

    @property
    def frames(self) -> int:
        """Frames per video, ``T``."""
        return int(self.videos.shape[1])

    @property
    def channels(self) -> int:
        """1 for grey, 3 for RGB."""
        return 3 if self.videos.ndim == 5 else 1


def sidecar_path(path: str | Path) -> Path:
    """The ``.json`` sidecar of a ``.npy`` dataset file (same stem)."""
    return Path(path).with_suffix(SIDECAR_SUFFIX)


def save_videoset(path: str | Path, data: VideoSet) -> None:
    """Write ``data`` as ``path`` (``.npy``) and its ``.json`` sidecar.

    Each file is written under a temporary name and renamed into place, so a failed save leaves
    no partial file behind. Parent directories are created.

    Raises
    ------
    UsageError
        ``path`` does not end in ``.npy``, or ``meta`` is not JSON-serialisable.
    """
    path = Path(path)
    if path.suffix != ".npy":
        raise UsageError(f"dataset file {path} must end in .npy")
    labels = None if data.labels is None else np.asarray(data.labels).tolist()
    try:
        # Labels on one line (there may be thousands), meta indented for people to read.
        sidecar_text = (
            f'{{"labels": {json.dumps(labels)},\n "meta": {json.dumps(data.meta, indent=1)}}}\n'
        )
    except (TypeError, ValueError) as exc:
        raise UsageError(f"meta of {path} is not JSON-serialisable: {exc}") from None
    with atomic_output(path) as partial:
        np.save(partial, np.ascontiguousarray(data.videos), allow_pickle=False)
    with atomic_output(sidecar_path(path)) as partial:
        partial.write_text(sidecar_text)


def load_videoset(path: str | Path, *, mmap: bool = False) -> VideoSet:
    """Read a dataset file, a bare ``.npy``, a video file or a directory of PNG frames.

    A bare ``.npy`` (no sidecar) is read by its shape: ``(T, H, W)`` and ``(T, H, W, 3)`` are
    one video; ``(N, T, H, W)`` and ``(N, T, H, W, 3)`` are ``N``. Video files and PNG
    directories are one video (see :func:`seqrdp.data.video.read_video`).

    Parameters
    ----------
    mmap : bool
        Memory-map the ``.npy`` instead of reading it (read-only; for large files).

    Raises
    ------
    UsageError
        Missing or unreadable file, wrong dtype or shape, or a sidecar that does not match.
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if path.is_dir() or path.suffix != ".npy":
        frames = read_video(path)
        return VideoSet(frames[None], None, {"source": str(path)})
    videos = read_npy(path, mmap=mmap)
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return VideoSet(_as_videos(videos, path), None, {"source": str(path)})
    labels, meta = read_sidecar(sidecar, len(videos))
    problem = _layout_problem(videos)
    if problem:
        raise UsageError(f"{path}: videos {problem}")
    return VideoSet(videos, labels, meta)


def read_sidecar(sidecar: Path, sequences: int) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Labels and meta from a ``.json`` sidecar.

    ``labels`` must be ``null`` or a regular nested list of integers in ``±(2**31 − 1)`` with
    first axis ``sequences``; ``meta`` an object whose ``label_names``, if present, is a list
    of strings. ``NaN`` and ``Infinity`` (which Python's JSON reader would accept) are refused.
    """

    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not valid JSON")

    try:
        content = json.loads(sidecar.read_text(encoding="utf-8"), parse_constant=refuse_constant)
    except OSError as exc:
        raise UsageError(f"cannot read sidecar {sidecar}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise UsageError(f"cannot read sidecar {sidecar}: {reason}") from None
    if not isinstance(content, dict):
        raise UsageError(f"sidecar {sidecar} must hold a JSON object with 'labels' and 'meta'")
    meta = content.get("meta") or {}
    if not isinstance(meta, dict):
        raise UsageError(f"sidecar {sidecar}: 'meta' must be an object")
    names = meta.get("label_names")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(name, str) for name in names)
    ):
        raise UsageError(f"sidecar {sidecar}: 'label_names' must be a list of strings")
    labels = content.get("labels")
    return None if labels is None else _labels(labels, sidecar, sequences), meta


def _labels(labels: Any, sidecar: Path, sequences: int) -> np.ndarray:
    try:
        array = np.asarray(labels)
    except (ValueError, RecursionError):  # ragged lists, absurd nesting
        raise UsageError(f"sidecar {sidecar}: 'labels' is not a regular array") from None
    # Not bool, float (1e23, 1.5) or object (ragged, strings, integers beyond 64 bits).
    if array.dtype.kind not in "iu":
        raise UsageError(f"sidecar {sidecar}: 'labels' must be integers, got {array.dtype}")
    if array.size and (array.min() < -MAX_LABEL or array.max() > MAX_LABEL):
        raise UsageError(f"sidecar {sidecar}: a label is out of range ±{MAX_LABEL}")
    if array.ndim == 0 or len(array) != sequences:
        raise UsageError(
            f"sidecar {sidecar} has labels of shape {array.shape} for {sequences} videos"
        )
    return array.astype(np.int64)


def _as_videos(array: np.ndarray, path: Path) -> np.ndarray:
    """Read a bare array by its shape (see :func:`load_videoset`)."""
    rgb = array.ndim >= 4 and array.shape[-1] == 3
    if array.ndim == 3 or (array.ndim == 4 and rgb):
        array = array[None]
    problem = _layout_problem(array)
    if problem:
        raise UsageError(
            f"{path} has shape {array.shape}; expected (N, T, H, W), (T, H, W) "
            "or an RGB variant with a last axis of 3"
        )
    return array


def _layout_problem(videos: np.ndarray) -> str:
    """Why ``videos`` is not uint8 (N, T, H, W[, 3]) with nonzero sizes, or ''."""
    if videos.dtype != np.uint8:
        return f"must be uint8, got {videos.dtype}"
    if videos.ndim not in (4, 5) or (videos.ndim == 5 and videos.shape[-1] != 3):
        return f"must have shape (N, T, H, W) or (N, T, H, W, 3), got {videos.shape}"
    if min(videos.shape) == 0:
        return f"must not be empty, got shape {videos.shape}"
    return ""
