"""Moving MNIST: reproducible, digits stay on the canvas and bounce, labels name the digits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from seqrdp.data.mnist import Digits, load_digits, split_digits
from seqrdp.data.moving_mnist import (
    MovingMnistStream,
    bouncing_trajectories,
    generate_moving_mnist,
    read_mnist_test_seq,
)
from seqrdp.errors import UsageError


def squares(*levels: int) -> Digits:
    """Fully inked 28×28 sprites, sprite ``k`` of grey level ``levels[k]`` and class ``k``."""
    images = np.stack([np.full((28, 28), level, dtype=np.uint8) for level in levels])
    return Digits(images, np.arange(len(levels), dtype=np.int64))


def box_corners(videos: np.ndarray) -> np.ndarray:
    """(N, T, 2) top-left (row, col) of the nonzero pixels of every frame."""
    inked = videos > 0
    rows = inked.any(axis=3).argmax(axis=2)
    cols = inked.any(axis=2).argmax(axis=2)
    return np.stack([rows, cols], axis=-1)


def test_same_seed_gives_same_videos_and_different_seeds_differ():
    first = generate_moving_mnist(6, 5, seed=3)
    again = generate_moving_mnist(6, 5, seed=3)
    other = generate_moving_mnist(6, 5, seed=4)
    np.testing.assert_array_equal(first.videos, again.videos)
    np.testing.assert_array_equal(first.labels, again.labels)
    assert not np.array_equal(first.videos, other.videos)


def test_shapes_dtypes_and_meta():
    data = generate_moving_mnist(3, 7, size=48, digits=2, split="test", seed=1)
    assert data.videos.shape == (3, 7, 48, 48) and data.videos.dtype == np.uint8
    assert data.labels.shape == (3, 2) and data.labels.dtype == np.int64
    assert data.meta["split"] == "test" and data.meta["seed"] == 1 and data.meta["digits"] == 2
    assert data.meta["label_names"] == [str(digit) for digit in range(10)]


def test_digit_box_stays_fully_on_the_canvas():
    data = generate_moving_mnist(40, 30, size=50, seed=0, digit_source=squares(255))
    # A fully inked sprite shows as exactly one 28×28 box of ink in every frame.
    assert (np.count_nonzero(data.videos, axis=(2, 3)) == 28 * 28).all()
    corners = box_corners(data.videos)
    assert corners.min() >= 0 and corners.max() <= 50 - 28


def test_velocity_reverses_only_at_the_walls_and_bounces_happen():
    size, free = 64, 64 - 28
    data = generate_moving_mnist(50, 60, size=size, seed=7, digit_source=squares(255))
    corners = box_corners(data.videos)
    bounces = 0
    for track in corners.transpose(0, 2, 1).reshape(-1, 60):  # one coordinate of one digit
        steps = np.diff(track)
        moving = np.flatnonzero(steps)
        for before, after in itertools.pairwise(moving):
            if np.sign(steps[before]) != np.sign(steps[after]):
                bounces += 1
                turning_point = track[before + 1 : after + 1]
                wall = 0 if steps[before] < 0 else free
                assert wall in turning_point
    assert bounces > 20


def test_speed_is_constant_between_bounces():
    # 0.1 of the free range per frame (Srivastava et al.), up to one pixel of rounding per axis.
    free = 64 - 28
    data = generate_moving_mnist(30, 20, seed=2, digit_source=squares(255))
    corners = box_corners(data.videos).astype(float)
    steps = np.linalg.norm(np.diff(corners, axis=1), axis=-1)
    touching = ((corners == 0) | (corners == free)).any(axis=-1)
    clear = ~(touching[:, 1:] | touching[:, :-1])
    assert np.abs(steps[clear] - 0.1 * free).max() <= np.sqrt(2) + 1e-9


@given(
    seed=st.integers(0, 2**32 - 1),
    speed=st.floats(0.0, 0.5),
    frames=st.integers(1, 40),
)
@settings(max_examples=50, deadline=None)
def test_trajectories_stay_in_unit_square_with_unit_speed_away_from_walls(seed, speed, frames):
    trajectory = bouncing_trajectories(np.random.default_rng(seed), 5, frames, 2, speed=speed)
    assert trajectory.shape == (5, frames, 2, 2)
    assert trajectory.min() >= 0 and trajectory.max() <= 1
    steps = np.diff(trajectory, axis=1)
    inner = ((trajectory > 0) & (trajectory < 1)).all(axis=-1)
    clear = inner[:, 1:] & inner[:, :-1]
    np.testing.assert_allclose(np.linalg.norm(steps, axis=-1)[clear], speed, atol=1e-9)


def test_labels_name_the_sprite_that_is_drawn():
    levels = [10 * (label + 1) for label in range(10)]
    data = generate_moving_mnist(30, 4, digits=1, seed=5, digit_source=squares(*levels))
    for video, (label,) in zip(data.videos, data.labels, strict=True):
        assert set(np.unique(video)) == {0, levels[label]}


def test_superposed_digits_combine_with_pixelwise_maximum():
    data = generate_moving_mnist(40, 6, digits=2, seed=9, digit_source=squares(100, 200))
    for video, labels in zip(data.videos, data.labels, strict=True):
        if sorted(labels) != [0, 1]:
            continue
        # Wherever the boxes overlap the brighter sprite wins: 200 shows as a whole 28×28 box.
        assert (np.count_nonzero(video == 200, axis=(1, 2)) == 28 * 28).all()
        assert set(np.unique(video)) <= {0, 100, 200}


@pytest.mark.parametrize("split", ["train", "test"])
def test_real_digits_appear_unaltered_and_come_from_their_split(split):
    digits = load_digits()
    own, other = (
        split_digits(digits, split),
        split_digits(digits, "test" if split == "train" else "train"),
    )
    own_images = {
        (image.tobytes(), int(label)) for image, label in zip(own.images, own.labels, strict=True)
    }
    other_images = {image.tobytes() for image in other.images}
    data = generate_moving_mnist(12, 2, seed=11, split=split)
    windows = np.lib.stride_tricks.sliding_window_view(data.videos[:, 0], (28, 28), axis=(1, 2))
    for video, crops, (label,) in zip(data.videos, windows, data.labels, strict=True):
        found = [
            crops[row, col]
            for row in range(crops.shape[0])
            for col in range(crops.shape[1])
            if (crops[row, col].tobytes(), int(label)) in own_images
        ]
        assert found, "the drawn digit of the labelled class is on the canvas, pixel for pixel"
        assert found[0].sum(dtype=np.int64) == video[0].sum(dtype=np.int64)  # nothing else drawn
        assert found[0].tobytes() not in other_images


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"sequences": 0}, "sequences"),
        ({"frames": 0}, "frames"),
        ({"digits": 0}, "digits"),
        ({"size": 27}, "size"),
        ({"split": "validation"}, "split"),
        ({"speed": 1.5}, "speed"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_parameters_raise_usage_errors(kwargs, fragment):
    arguments = {"sequences": 2, "frames": 2} | kwargs
    sequences, frames = arguments.pop("sequences"), arguments.pop("frames")
    with pytest.raises(UsageError, match=fragment):
        generate_moving_mnist(sequences, frames, **arguments)


def take(stream, count):
    iterator = iter(stream)
    return [next(iterator) for _ in range(count)]


def test_stream_items_are_unit_range_tensors_and_reproducible():
    stream = MovingMnistStream(6, size=40, digits=2, seed=1)
    first, again = take(stream, 3), take(stream, 3)
    for (video, labels), (video_again, labels_again) in zip(first, again, strict=True):
        assert video.dtype == torch.float32 and video.shape == (6, 1, 40, 40)
        assert 0 <= video.min() and video.max() <= 1 and video.max() > 0.5
        assert labels.dtype == torch.int64 and labels.shape == (2,)
        assert torch.equal(video, video_again) and torch.equal(labels, labels_again)
    other = take(MovingMnistStream(6, size=40, digits=2, seed=2), 1)
    assert not torch.equal(first[0][0], other[0][0])


def test_dataloader_workers_get_distinct_reproducible_substreams():
    stream = MovingMnistStream(4, size=32, seed=0)

    def batches():
        loader = DataLoader(stream, batch_size=3, num_workers=2)
        iterator = iter(loader)
        return [next(iterator)[0] for _ in range(4)]  # batches alternate: worker 0, 1, 0, 1

    first, again = batches(), batches()
    for batch, batch_again in zip(first, again, strict=True):
        assert torch.equal(batch, batch_again)
    videos = torch.cat(first).flatten(1)
    # No video repeats, across workers or within one.
    assert len({tuple(video.tolist()) for video in videos}) == len(videos)


def test_mnist_test_seq_is_transposed_to_sequence_major(tmp_path):
    frames, sequences = 3, 4
    time_major = np.zeros((frames, sequences, 8, 8), dtype=np.uint8)
    for frame in range(frames):
        for sequence in range(sequences):
            time_major[frame, sequence] = 10 * sequence + frame
    path = tmp_path / "mnist_test_seq.npy"
    np.save(path, time_major)
    data = read_mnist_test_seq(path)
    assert data.videos.shape == (sequences, frames, 8, 8)
    assert data.labels is None
    for sequence in range(sequences):
        for frame in range(frames):
            assert (data.videos[sequence, frame] == 10 * sequence + frame).all()


@pytest.mark.parametrize(
    "array", [np.zeros((3, 8, 8), np.uint8), np.zeros((2, 2, 8, 8), np.float32)]
)
def test_mnist_test_seq_of_wrong_layout_is_a_usage_error(tmp_path, array):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    with pytest.raises(UsageError, match=r"bad\.npy"):
        read_mnist_test_seq(path)
