"""Training clips: shapes, ranges, reproducibility per (seed, rank, step, draw)."""

import numpy as np
import pytest
import torch

from seqrdp.data.arrays import VideoSet, save_videoset
from seqrdp.errors import UsageError
from seqrdp.train.data import clip_source


def test_moving_mnist_clips_are_frames_of_one_moving_digit(tiny):
    source = clip_source(tiny(data="moving-mnist", size=32, frames=3))
    clips = source.batch(6, rank=0, step=0)
    assert clips.shape == (6, 3, 1, 32, 32) and clips.dtype == torch.float32
    assert float(clips.min()) == 0.0 and 0.5 < float(clips.max()) <= 1.0
    # The digit keeps its ink from frame to frame (it moves, it does not change).
    ink = clips.sum(dim=(2, 3, 4))
    assert torch.allclose(ink[:, 0], ink[:, 2], rtol=1e-5)
    assert torch.equal(source.validation(4), source.validation(4))
    assert source.describe()["kind"] == "moving-mnist"


def test_square_clips_move_a_bright_square(tiny):
    clips = clip_source(tiny()).batch(3, rank=0, step=0)
    side = 16 // 4
    assert torch.equal(clips.sum(dim=(2, 3, 4)), torch.full((3, 3), float(side * side)))
    assert not torch.equal(clips[:, 0], clips[:, 1])


def test_video_set_clips_are_windows_of_the_stored_videos(tiny, tmp_path):
    videos = (np.arange(2 * 5 * 16 * 16) % 251).astype(np.uint8).reshape(2, 5, 16, 16)
    path = tmp_path / "set.npy"
    save_videoset(path, VideoSet(videos, None, {"dataset": "test"}))
    source = clip_source(tiny(data=str(path), frames=3))
    clips = (source.batch(8, rank=0, step=0) * 255).round().to(torch.uint8).numpy()[:, :, 0]
    for clip in clips:
        assert any(np.array_equal(clip, videos[i, s : s + 3]) for i in range(2) for s in range(3))
    assert np.array_equal(
        (source.validation(2) * 255).round().to(torch.uint8).numpy()[:, :, 0], videos[:, :3]
    )


def test_bad_data_settings_are_usage_errors(tiny, tmp_path):
    with pytest.raises(UsageError, match="nowhere"):
        clip_source(tiny(data=str(tmp_path / "nowhere.npy")))
    short = tmp_path / "short.npy"
    save_videoset(short, VideoSet(np.zeros((1, 2, 16, 16), np.uint8), None, {}))
    with pytest.raises(UsageError, match="2 frames"):
        clip_source(tiny(data=str(short), frames=3))
    with pytest.raises(UsageError, match="--size 16"):
        clip_source(tiny(data=str(short), frames=2, size=32))
