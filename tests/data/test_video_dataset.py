"""VideoDataset and the uint8 ↔ tensor convention shared by every dataset."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

from seqrdp.data.arrays import VideoSet, save_videoset
from seqrdp.data.dataset import VideoDataset, frames_to_tensor, tensor_to_frames
from seqrdp.errors import UsageError


def videos(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_items_are_pixels_over_255_with_a_channel_axis(tmp_path):
    data = VideoSet(videos((3, 5, 6, 7)), np.array([[1], [2], [3]]))
    save_videoset(tmp_path / "set.npy", data)
    dataset = VideoDataset(tmp_path / "set.npy")
    assert len(dataset) == 3
    item = dataset[1]
    assert item.dtype == torch.float32 and item.shape == (5, 1, 6, 7)
    np.testing.assert_allclose(item[:, 0].numpy() * 255, data.videos[1], atol=1e-4)
    assert dataset.labels(2).tolist() == [3]


def test_rgb_items_put_channels_second():
    data = VideoSet(videos((2, 4, 3, 5, 3)))
    item = VideoDataset(data)[0]
    assert item.shape == (4, 3, 3, 5)
    np.testing.assert_allclose(item.permute(0, 2, 3, 1).numpy() * 255, data.videos[0], atol=1e-4)
    assert VideoDataset(data).labels(0) is None


def test_frames_keeps_the_first_frames():
    data = VideoSet(videos((2, 6, 4, 4)))
    item = VideoDataset(data, frames=2)[1]
    assert item.shape == (2, 1, 4, 4)
    np.testing.assert_allclose(item[:, 0].numpy() * 255, data.videos[1, :2], atol=1e-4)


@pytest.mark.parametrize("frames", [0, 7])
def test_frames_outside_the_video_length_is_a_usage_error(frames):
    with pytest.raises(UsageError, match="frames"):
        VideoDataset(VideoSet(videos((1, 6, 4, 4))), frames=frames)


def test_pickled_dataset_maps_the_file_again_instead_of_copying_it(tmp_path):
    data = VideoSet(videos((64, 8, 16, 16)))  # 128 KiB of pixels
    save_videoset(tmp_path / "set.npy", data)
    dataset = VideoDataset(tmp_path / "set.npy", frames=4)
    payload = pickle.dumps(dataset)
    assert len(payload) < 8_000
    clone = pickle.loads(payload)
    assert torch.equal(clone[63], dataset[63])


def test_video_dataset_is_a_torch_dataset():
    assert isinstance(VideoDataset(VideoSet(videos((1, 1, 2, 2)))), torch.utils.data.Dataset)


def test_out_of_range_index_raises_index_error():
    with pytest.raises(IndexError):
        VideoDataset(VideoSet(videos((2, 1, 2, 2))))[2]


@given(frames=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=3, max_dims=3, max_side=5)))
@settings(deadline=None)
def test_tensor_conversion_round_trips_grey_frames_exactly(frames):
    tensor = frames_to_tensor(frames)
    assert tensor.shape == (frames.shape[0], 1, *frames.shape[1:])
    np.testing.assert_array_equal(tensor_to_frames(tensor), frames)


@given(
    frames=hnp.arrays(
        np.uint8, hnp.array_shapes(min_dims=3, max_dims=3, max_side=5).map(lambda s: (*s, 3))
    )
)
@settings(deadline=None)
def test_tensor_conversion_round_trips_rgb_frames_exactly(frames):
    np.testing.assert_array_equal(tensor_to_frames(frames_to_tensor(frames)), frames)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 3, 4, 5, 3)])
def test_a_batch_of_clips_converts_exactly_like_each_clip_alone(shape):
    clips = videos(shape, seed=1)
    batch = frames_to_tensor(clips, leading=2)
    assert batch.shape == (2, 3, shape[-1] if len(shape) == 5 else 1, 4, 5)
    for clip, converted in zip(clips, batch, strict=True):
        assert torch.equal(converted, frames_to_tensor(clip))


def test_tensor_to_frames_clips_out_of_range_values():
    tensor = torch.tensor([-0.5, 0.0, 0.5, 1.0, 2.0]).reshape(1, 1, 1, 5)
    assert tensor_to_frames(tensor).ravel().tolist() == [0, 0, 128, 255, 255]
