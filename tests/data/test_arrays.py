"""The dataset file: FILE.npy + FILE.json round trips; bare arrays and bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from seqrdp.data.arrays import VideoSet, load_videoset, save_videoset, sidecar_path
from seqrdp.data.video import write_video
from seqrdp.errors import UsageError

video_shapes = st.one_of(
    hnp.array_shapes(min_dims=4, max_dims=4, min_side=1, max_side=4),
    hnp.array_shapes(min_dims=4, max_dims=4, min_side=1, max_side=4).map(lambda s: (*s, 3)),
)


@given(
    videos=video_shapes.flatmap(lambda shape: hnp.arrays(np.uint8, shape)),
    labelled=st.booleans(),
    seed=st.integers(0, 99),
)
@settings(max_examples=25, deadline=None)
def test_save_then_load_returns_the_same_videos_labels_and_meta(
    tmp_path_factory, videos, labelled, seed
):
    labels = np.arange(2 * len(videos), dtype=np.int64).reshape(-1, 2) if labelled else None
    data = VideoSet(videos, labels, {"seed": seed, "split": "test", "names": ["a", "b"]})
    path = tmp_path_factory.mktemp("set") / "videos.npy"
    save_videoset(path, data)
    loaded = load_videoset(path)
    np.testing.assert_array_equal(loaded.videos, videos)
    assert loaded.videos.dtype == np.uint8
    if labelled:
        np.testing.assert_array_equal(loaded.labels, labels)
        assert loaded.labels.dtype == np.int64
    else:
        assert loaded.labels is None
    assert loaded.meta == data.meta


def test_file_format_is_plain_npy_plus_json_sidecar(tmp_path):
    videos = np.random.default_rng(0).integers(0, 256, (2, 3, 4, 5), dtype=np.uint8)
    save_videoset(tmp_path / "set.npy", VideoSet(videos, np.array([7, 8]), {"k": 1}))
    np.testing.assert_array_equal(np.load(tmp_path / "set.npy"), videos)
    assert json.loads((tmp_path / "set.json").read_text()) == {"labels": [7, 8], "meta": {"k": 1}}
    assert sidecar_path(tmp_path / "set.npy") == tmp_path / "set.json"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["set.json", "set.npy"]


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((5, 6, 7), (1, 5, 6, 7)),
        ((5, 6, 7, 3), (1, 5, 6, 7, 3)),
        ((2, 5, 6, 7), (2, 5, 6, 7)),
        ((2, 5, 6, 7, 3), (2, 5, 6, 7, 3)),
    ],
)
def test_bare_npy_is_read_by_its_shape(tmp_path, shape, expected):
    array = np.arange(np.prod(shape)).astype(np.uint8).reshape(shape)
    np.save(tmp_path / "bare.npy", array)
    loaded = load_videoset(tmp_path / "bare.npy")
    assert loaded.videos.shape == expected and loaded.labels is None
    np.testing.assert_array_equal(loaded.videos.reshape(shape), array)


def test_png_directory_loads_as_one_video(tmp_path):
    frames = np.random.default_rng(1).integers(0, 256, (4, 6, 5), dtype=np.uint8)
    write_video(tmp_path / "frames", frames)
    loaded = load_videoset(tmp_path / "frames")
    np.testing.assert_array_equal(loaded.videos, frames[None])


def test_memory_mapped_load_reads_the_same_values(tmp_path):
    videos = np.random.default_rng(2).integers(0, 256, (3, 2, 4, 4), dtype=np.uint8)
    save_videoset(tmp_path / "set.npy", VideoSet(videos))
    loaded = load_videoset(tmp_path / "set.npy", mmap=True)
    assert isinstance(loaded.videos, np.memmap)
    np.testing.assert_array_equal(loaded.videos, videos)


def write_float(path):
    np.save(path, np.zeros((2, 3, 4, 4), np.float32))


def write_flat(path):
    np.save(path, np.zeros((4, 4), np.uint8))


def write_garbage(path):
    path.write_bytes(b"\x93NUMPY garbage")


def write_pickle(path):
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)


def write_mismatched_labels(path):
    np.save(path, np.zeros((2, 3, 4, 4), np.uint8))
    sidecar_path(path).write_text(json.dumps({"labels": [1, 2, 3], "meta": {}}))


def write_corrupt_sidecar(path):
    np.save(path, np.zeros((2, 3, 4, 4), np.uint8))
    sidecar_path(path).write_text("{not json")


@pytest.mark.parametrize(
    ("writer", "fragment"),
    [
        (write_float, "float32"),
        (write_flat, r"\(4, 4\)"),
        (write_garbage, "cannot read"),
        (write_pickle, "cannot read"),
        (write_mismatched_labels, "labels of shape"),
        (write_corrupt_sidecar, "sidecar"),
    ],
)
def test_bad_files_raise_usage_errors_naming_the_file(tmp_path, writer, fragment):
    path = tmp_path / "bad.npy"
    writer(path)
    with pytest.raises(UsageError, match=fragment) as error:
        load_videoset(path)
    assert "bad." in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_videoset(tmp_path / "absent.npy")


@pytest.mark.parametrize(("name", "meta"), [("set.npz", {}), ("set.npy", {"bad": object()})])
def test_failed_save_writes_nothing(tmp_path, name, meta):
    with pytest.raises(UsageError):
        save_videoset(tmp_path / name, VideoSet(np.zeros((1, 1, 2, 2), np.uint8), None, meta))
    assert list(tmp_path.iterdir()) == []


def test_video_set_rejects_inconsistent_arrays():
    with pytest.raises(ValueError, match="uint8"):
        VideoSet(np.zeros((1, 2, 3, 3), np.float32))
    with pytest.raises(ValueError, match="labels"):
        VideoSet(np.zeros((2, 2, 3, 3), np.uint8), np.zeros(3, np.int64))
