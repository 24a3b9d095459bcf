"""Single-video I/O: exact round trips for npy/PNG, close ones for lossy codecs, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from seqrdp.data.video import count_frames, read_video, to_grey, to_rgb, write_video
from seqrdp.errors import UsageError


def smooth_frames(frames=10, height=48, width=64, rgb=False) -> np.ndarray:
    """A drifting smooth pattern (what lossy codecs are built for), distinct in every frame."""
    rows, cols = np.mgrid[:height, :width]
    video = np.stack(
        [128 + 90 * np.sin(cols / 9 + index / 2) * np.cos(rows / 11) for index in range(frames)]
    )
    if rgb:
        video = np.stack([video, 255 - video, 0.5 * video + 40], axis=-1)
    return np.rint(video).astype(np.uint8)


def noise(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("shape", [(5, 7, 9), (5, 7, 9, 3)])
@pytest.mark.parametrize("target", ["clip.npy", "frames", "clip.gif"])
def test_lossless_formats_round_trip_exactly(tmp_path, shape, target):
    frames = noise(shape) if target != "clip.gif" or len(shape) == 3 else noise(shape) // 64 * 64
    write_video(tmp_path / target, frames)
    read = read_video(tmp_path / target, grey=len(shape) == 3)
    np.testing.assert_array_equal(read, frames)


def test_png_directory_frames_are_numbered_and_sorted(tmp_path):
    frames = noise((12, 4, 4))
    write_video(tmp_path / "frames", frames)
    names = sorted(path.name for path in (tmp_path / "frames").iterdir())
    assert names == [f"frame_{index:05d}.png" for index in range(12)]
    np.testing.assert_array_equal(read_video(tmp_path / "frames"), frames)


def test_rewriting_a_png_directory_drops_the_old_frames(tmp_path):
    write_video(tmp_path / "frames", noise((6, 4, 4)))
    (tmp_path / "frames" / "notes.txt").write_text("kept")
    shorter = noise((2, 4, 4), seed=1)
    write_video(tmp_path / "frames", shorter)
    np.testing.assert_array_equal(read_video(tmp_path / "frames"), shorter)
    assert (tmp_path / "frames" / "notes.txt").exists()


@pytest.mark.parametrize("suffix", [".mp4", ".avi", ".mkv"])
@pytest.mark.parametrize("rgb", [False, True])
def test_lossy_containers_keep_frame_count_and_shape_and_stay_close(tmp_path, suffix, rgb):
    frames = smooth_frames(rgb=rgb)
    write_video(tmp_path / f"clip{suffix}", frames, fps=10)
    read = read_video(tmp_path / f"clip{suffix}", grey=not rgb)
    assert read.shape == frames.shape and read.dtype == np.uint8
    # yuv420p halves the chroma resolution; FFmpeg's conversions alone cost ~3 levels in colour.
    assert np.abs(read.astype(float) - frames).mean() < (4.5 if rgb else 2.5)
    assert count_frames(tmp_path / f"clip{suffix}") == len(frames)


def test_odd_sizes_are_padded_by_repeating_the_edge_for_yuv420(tmp_path):
    frames = smooth_frames(frames=4, height=33, width=47)
    write_video(tmp_path / "odd.mp4", frames)
    read = read_video(tmp_path / "odd.mp4", grey=True)
    assert read.shape == (4, 34, 48)
    assert np.abs(read[:, :33, :47].astype(float) - frames).mean() < 2.5
    assert np.abs(read[:, 33, :47].astype(float) - frames[:, 32]).mean() < 4


def test_grey_none_keeps_the_kind_of_the_source(tmp_path):
    write_video(tmp_path / "grey", noise((2, 4, 4)))
    write_video(tmp_path / "rgb", noise((2, 4, 4, 3)))
    write_video(tmp_path / "clip.mp4", smooth_frames(frames=3))  # yuv420p decodes as colour
    assert read_video(tmp_path / "grey").shape == (2, 4, 4)
    assert read_video(tmp_path / "rgb").shape == (2, 4, 4, 3)
    assert read_video(tmp_path / "clip.mp4").shape == (3, 48, 64, 3)
    assert read_video(tmp_path / "grey", grey=False).shape == (2, 4, 4, 3)


def test_grey_conversion_is_bt601_luma(tmp_path):
    # 0.299·255 = 76.2, 0.587·255 = 149.7, 0.114·255 = 29.1; white stays 255.
    primaries = np.array([[[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]]], np.uint8)
    np.save(tmp_path / "primaries.npy", primaries)
    assert read_video(tmp_path / "primaries.npy", grey=True).ravel().tolist() == [76, 150, 29, 255]
    grey = noise((2, 3, 3))
    np.testing.assert_array_equal(to_grey(to_rgb(grey)), grey)


def test_max_frames_reads_only_the_start(tmp_path):
    frames = smooth_frames(frames=8)
    write_video(tmp_path / "clip.avi", frames)
    write_video(tmp_path / "frames", frames)
    assert read_video(tmp_path / "clip.avi", max_frames=3).shape[0] == 3
    np.testing.assert_array_equal(read_video(tmp_path / "frames", max_frames=3), frames[:3])


def missing_file(directory):
    return directory / "source.mp4"


def garbage_file(directory):
    (directory / "source.mp4").write_bytes(b"garbage" * 20)
    return directory / "source.mp4"


def empty_directory(directory):
    (directory / "source").mkdir()
    return directory / "source"


def flat_array(directory):
    np.save(directory / "source.npy", np.zeros((2, 3), np.uint8))
    return directory / "source.npy"


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (missing_file, "does not exist"),
        (garbage_file, "cannot read video"),
        (empty_directory, "no .png frames"),
        (flat_array, "shape"),
    ],
)
def test_unreadable_sources_are_one_line_usage_errors_naming_the_path(tmp_path, make, fragment):
    with pytest.raises(UsageError, match=fragment) as error:
        read_video(make(tmp_path))
    assert "source" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "frames", "fragment"),
    [
        ("clip.webp", noise((2, 4, 4)), "cannot write"),
        ("clip.mp4", np.zeros((2, 4, 4), np.float32), "uint8"),
        ("clip.mp4", np.zeros((2, 4), np.uint8), "shape|\\(T, H, W\\)"),
        ("clip.mp4", np.zeros((0, 4, 4), np.uint8), "empty"),
    ],
)
def test_bad_writes_are_usage_errors_and_write_nothing(tmp_path, name, frames, fragment):
    with pytest.raises(UsageError, match=fragment):
        write_video(tmp_path / name, frames)
    assert list(tmp_path.iterdir()) == []


def test_failed_encoding_leaves_no_partial_file(tmp_path, monkeypatch):
    import seqrdp.data.video as video

    def explode(*args, **kwargs):
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(video, "_write_container", explode)
    with pytest.raises(RuntimeError):
        write_video(tmp_path / "clip.mp4", noise((2, 4, 4)))
    assert list(tmp_path.iterdir()) == []
