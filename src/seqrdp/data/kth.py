"""KTH human actions as fixed-length grey clips, split by person.

The KTH set has one AVI per (person 1–25, action, scenario d1–d4), named
``personNN_<action>_dN_uncomp.avi``: 160×120 grey, 25 fps. Each file is center-cropped to
120×120, area-resampled to ``size × size`` (:func:`~seqrdp.data.resize.resize_frames`) and cut
into clips of ``frames`` frames starting every ``stride`` frames (the last, shorter remainder is
dropped). A clip's label is the index of its action in :data:`ACTIONS`. Persons 1–16 form the
train split and 17–25 the test split, as is usual in video prediction; the subsequence
boundaries of the KTH ``00sequences.txt`` are not used.

References
----------
C. Schüldt, I. Laptev, B. Caputo, *Recognizing Human Actions: A Local SVM Approach*, ICPR 2004.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.utils.data

from seqrdp.data.arrays import VideoSet
from seqrdp.data.dataset import frames_to_tensor
from seqrdp.data.resize import resize_frames
from seqrdp.data.video import count_frames, read_video
from seqrdp.errors import UsageError
from seqrdp.progress import progress

ACTIONS = ("boxing", "handclapping", "handwaving", "jogging", "running", "walking")
PERSONS: dict[str, Sequence[int]] = {"train": range(1, 17), "test": range(17, 26)}
FILE_PATTERN = re.compile(r"person(\d+)_([a-z]+)_d(\d+)_uncomp\.avi", re.IGNORECASE)


@dataclass(frozen=True)
class KthFile:
    """One KTH video: its path, person (1–25), action index into ACTIONS and scenario (1–4)."""

    path: Path
    person: int
    action: int
    scenario: int


def parse_kth_name(path: str | Path) -> KthFile | None:
    """The KthFile for a ``personNN_<action>_dN_uncomp.avi`` name, ``None`` for other names."""
    path = Path(path)
    match = FILE_PATTERN.fullmatch(path.name)
    if match is None or match[2].lower() not in ACTIONS:
        return None
    return KthFile(path, int(match[1]), ACTIONS.index(match[2].lower()), int(match[3]))


def kth_files(
    root: str | Path, split: str = "train", persons: Mapping[str, Sequence[int]] | None = None
) -> list[KthFile]:
    """KTH files under ``root`` (searched recursively) whose person belongs to ``split``.

    Sorted by (person, action, scenario), so clip order does not depend on the file system.

    Raises
    ------
    UsageError
        ``root`` is missing, ``split`` is not a key of ``persons``, or no file matches.
    """
    root = Path(root)
    persons = PERSONS if persons is None else persons
    if split not in persons:
        raise UsageError(f"split must be one of {sorted(persons)}, got {split!r}")
    if not root.is_dir():
        raise UsageError(f"KTH directory {root} does not exist")
    wanted = {int(person) for person in persons[split]}
    found = [parse_kth_name(path) for path in root.rglob("*.avi")]
    files = [file for file in found if file is not None and file.person in wanted]
    if not files:
        raise UsageError(
            f"no KTH videos (personNN_<action>_dN_uncomp.avi) of persons {sorted(wanted)} "
            f"under {root}"
        )
    return sorted(files, key=lambda file: (file.person, file.action, file.scenario, file.path))


def clip_starts(length: int, frames: int, stride: int) -> range:
    """First frames of the clips of a ``length``-frame video: ``0, stride, ...`` while they fit."""
    return range(0, length - frames + 1, stride)


def kth_clips(
    root: str | Path,
    *,
    split: str = "train",
    frames: int = 20,
    size: int = 64,
    stride: int | None = None,
    persons: Mapping[str, Sequence[int]] | None = None,
) -> VideoSet:
    """Decode the KTH videos of a split into clips (see the module docstring).

    Parameters
    ----------
    root : str or Path
        Directory holding the AVI files (any depth, e.g. one folder per action).
    split : str
        A key of ``persons``.
    frames, size : int
        Clip length ``T`` and side of the square frames.
    stride : int or None
        Frames between clip starts; ``None`` means ``frames`` (non-overlapping clips).
    persons : mapping or None
        Split name → person ids; default :data:`PERSONS` (1–16 train, 17–25 test).

    Returns
    -------
    VideoSet
        ``videos`` uint8 ``(N, frames, size, size)``, ``labels`` int64 ``(N,)`` action indices,
        ``meta`` with the parameters, ``label_names`` (:data:`ACTIONS`) and ``clips``: the
        ``[file name, first frame]`` of every clip.
    """
    stride = _check_clip_shape(frames, size, stride)
    files = kth_files(root, split, persons)
    videos, labels, clips = [], [], []
    for file in progress(files, total=len(files), desc=f"KTH {split}"):
        decoded = resize_frames(read_video(file.path, grey=True), size)
        for start in clip_starts(len(decoded), frames, stride):
            videos.append(decoded[start : start + frames])
            labels.append(file.action)
            clips.append([file.path.name, start])
    if not videos:
        raise UsageError(f"no KTH video under {root} has {frames} frames for a clip")
    meta = _meta(root, split, frames, size, stride, files, persons)
    meta["clips"] = clips
    return VideoSet(np.stack(videos), np.array(labels, dtype=np.int64), meta)


class KthDataset(torch.utils.data.Dataset):
    """The clips of :func:`kth_clips`, decoded lazily, one clip per item.

    Item ``i`` is clip ``i`` of ``kth_clips`` with the same arguments, as a float32 tensor
    ``(frames, 1, size, size)`` in ``[0, 1]``; ``labels(i)`` is its action index. Clip
    boundaries come from each file's frame count (container header, else counted packets); a
    file's decoded frames are cached while consecutive items read it.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        split: str = "train",
        frames: int = 20,
        size: int = 64,
        stride: int | None = None,
        persons: Mapping[str, Sequence[int]] | None = None,
    ):
        self.stride = _check_clip_shape(frames, size, stride)
        self.frames, self.size = frames, size
        files = kth_files(root, split, persons)
        self.clips = [
            (file, start)
            for file in files
            for start in clip_starts(count_frames(file.path), frames, self.stride)
        ]
        if not self.clips:
            raise UsageError(f"no KTH video under {root} has {frames} frames for a clip")
        self.meta = _meta(root, split, frames, size, self.stride, files, persons)
        self._cached: tuple[Path, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> torch.Tensor:
        file, start = self.clips[index]
        decoded = self._decoded(file.path)
        clip = decoded[start : start + self.frames]
        if len(clip) < self.frames:
            raise UsageError(
                f"{file.path} decodes to {len(decoded)} frames, fewer than its header promised"
            )
        return frames_to_tensor(clip)

    def labels(self, index: int) -> np.ndarray:
        """Action index (0-d int64 array) of clip ``index``; names in ``meta['label_names']``."""
        return np.asarray(self.clips[index][0].action, dtype=np.int64)

    def _decoded(self, path: Path) -> np.ndarray:
        if self._cached is None or self._cached[0] != path:
            self._cached = (path, resize_frames(read_video(path, grey=True), self.size))
        return self._cached[1]


def _check_clip_shape(frames: int, size: int, stride: int | None) -> int:
    stride = frames if stride is None else stride
    for name, value in (("frames", frames), ("size", size), ("stride", stride)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1, got {value}")
    return stride


def _meta(
    root: str | Path,
    split: str,
    frames: int,
    size: int,
    stride: int,
    files: list[KthFile],
    persons: Mapping[str, Sequence[int]] | None,
) -> dict[str, Any]:
    persons = PERSONS if persons is None else persons
    return {
        "dataset": "kth",
        "split": split,
        "persons": sorted(int(person) for person in persons[split]),
        "frames": frames,
        "size": size,
        "stride": stride,
        "files": len(files),
        "source": str(Path(root).resolve()),
        "label_names": list(ACTIONS),
        "reference": "Schüldt, Laptev, Caputo, ICPR 2004",
    }
