"""Shared fixtures: a miniature KTH tree written with PyAV, in the real naming scheme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

KTH_WIDTH, KTH_HEIGHT, KTH_FRAMES = 160, 120, 30
KTH_PERSONS = (1, 2, 17, 18)
KTH_ACTIONS = ("boxing", "running", "walking")


def identity_code(person: int, action: str) -> int:
    """Grey level painted on the left half of every frame of one file (distinct per file)."""
    return 30 + 15 * (KTH_PERSONS.index(person) * len(KTH_ACTIONS) + KTH_ACTIONS.index(action))


def frame_code(frame: int) -> int:
    """Grey level painted on the right half of frame ``frame`` (shows where a clip starts)."""
    return 5 + 8 * frame


def write_avi(path: Path, frames: np.ndarray, fps: int = 25) -> None:
    """MPEG-4 Part 2 AVI, yuv420p, as the KTH files are."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 2_000_000
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="gray")))
        container.mux(stream.encode(None))


@dataclass(frozen=True)
class KthTree:
    root: Path
    persons: tuple[int, ...] = KTH_PERSONS
    actions: tuple[str, ...] = KTH_ACTIONS
    frames: int = KTH_FRAMES

    @staticmethod
    def identity_code(person: int, action: str) -> int:
        return identity_code(person, action)

    @staticmethod
    def frame_code(frame: int) -> int:
        return frame_code(frame)


@pytest.fixture(scope="session")
def kth_tree(tmp_path_factory: pytest.TempPathFactory) -> KthTree:
    """KTH-like tree: <action>/personNN_<action>_d1_uncomp.avi, 160×120 grey, 30 frames.

    The center 120×120 square (columns 20–139) is split in two halves: columns 20–79 carry
    :func:`identity_code` of the file, columns 80–139 :func:`frame_code` of the frame. Columns
    outside the square are white and must be cropped away.
    """
    root = tmp_path_factory.mktemp("kth")
    for action in KTH_ACTIONS:
        (root / action).mkdir()
        for person in KTH_PERSONS:
            frames = np.full((KTH_FRAMES, KTH_HEIGHT, KTH_WIDTH), 255, dtype=np.uint8)
            frames[:, :, 20:80] = identity_code(person, action)
            for index in range(KTH_FRAMES):
                frames[index, :, 80:140] = frame_code(index)
            write_avi(root / action / f"person{person:02d}_{action}_d1_uncomp.avi", frames)
    (root / "boxing" / "readme.txt").write_text("not a video")
    (root / "boxing" / "person03_dancing_d1_uncomp.avi").write_bytes(b"not KTH: unknown action")
    return KthTree(root)
