"""MNIST digits: the offline set, the fixed train/test split, and the IDX reader."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from seqrdp.data.mnist import Digits, load_digits, read_idx, split_digits
from seqrdp.errors import UsageError


def write_idx(path: Path, array: np.ndarray, type_code: int = 0x08) -> None:
    """IDX as specified by LeCun et al.: magic 0 0 type ndim, big-endian uint32 dims, data."""
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[type_code]
    payload = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload += array.astype(dtype).tobytes()
    path.write_bytes(gzip.compress(payload) if path.suffix == ".gz" else payload)


def test_offline_digits_are_5000_real_digits_500_per_class():
    digits = load_digits()
    assert digits.images.shape == (5000, 28, 28) and digits.images.dtype == np.uint8
    assert digits.labels.dtype == np.int64
    assert np.bincount(digits.labels).tolist() == [500] * 10
    # MNIST digits are centred by their mass in the 28×28 field: ink sits in the middle.
    ink = digits.images.astype(float)
    assert ink[:, 0].max() == 0 and ink[:, :2].mean() < 1 < 50 < ink[:, 10:18, 10:18].mean()
    assert (digits.images.max(axis=(1, 2)) > 200).all()


def test_loaded_digits_are_read_only():
    digits = load_digits()
    with pytest.raises(ValueError, match="read-only"):
        digits.images[0, 0, 0] = 1


def test_train_and_test_digits_are_disjoint_and_both_cover_every_class():
    digits = load_digits()
    train, test = split_digits(digits, "train"), split_digits(digits, "test")
    assert len(train) + len(test) == len(digits)
    assert not {image.tobytes() for image in train.images} & {
        image.tobytes() for image in test.images
    }
    assert np.bincount(test.labels).tolist() == [100] * 10
    assert np.bincount(train.labels).tolist() == [400] * 10


def test_split_ignores_global_random_state():
    digits = load_digits()
    np.random.seed(1)  # noqa: NPY002 - the legacy global state is what must not matter
    first = split_digits(digits, "test")
    np.random.seed(2)  # noqa: NPY002
    again = split_digits(digits, "test")
    np.testing.assert_array_equal(first.images, again.images)


def test_split_is_neither_the_first_nor_the_last_fifth_of_a_class():
    # A fixed permutation, not a slice: the test digits of class 0 are spread over its 500 rows.
    digits = load_digits()
    test = {image.tobytes() for image in split_digits(digits, "test").images}
    rows = [index for index in range(500) if digits.images[index].tobytes() in test]
    assert len(rows) == 100 and rows[0] < 50 and rows[-1] > 450


@given(labels=st.lists(st.integers(0, 5), min_size=1, max_size=60))
@settings(deadline=None)
def test_split_partitions_any_labels_and_puts_every_repeated_class_in_both(labels):
    labels = np.array(labels, dtype=np.int64)
    images = np.arange(len(labels), dtype=np.uint8).repeat(4).reshape(-1, 2, 2)
    digits = Digits(images, labels)
    train, test = split_digits(digits, "train"), split_digits(digits, "test")
    ids = sorted([*train.images[:, 0, 0].tolist(), *test.images[:, 0, 0].tolist()])
    assert ids == list(range(len(labels)))
    for label, count in zip(*np.unique(labels, return_counts=True), strict=True):
        in_test = int((test.labels == label).sum())
        assert in_test == (max(1, round(0.2 * count)) if count >= 2 else 0)
        assert count - in_test >= 1


def test_bad_split_name_is_a_usage_error():
    with pytest.raises(UsageError, match="split"):
        split_digits(load_digits(), "validation")  # type: ignore[arg-type]


@given(
    array=hnp.arrays(
        np.uint8,
        hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    ),
    compressed=st.booleans(),
)
@settings(deadline=None, max_examples=30)
def test_idx_round_trips_any_uint8_array(tmp_path_factory, array, compressed):
    path = tmp_path_factory.mktemp("idx") / ("a.idx" + (".gz" if compressed else ""))
    write_idx(path, array)
    read = read_idx(path)
    assert read.dtype == np.uint8 and read.shape == array.shape
    np.testing.assert_array_equal(read, array)


def test_idx_reads_big_endian_int32_and_float32(tmp_path):
    values = np.array([[1, -2, 70000]], dtype=np.int32)
    write_idx(tmp_path / "i.idx", values, 0x0C)
    np.testing.assert_array_equal(read_idx(tmp_path / "i.idx"), values)
    write_idx(tmp_path / "f.idx", np.array([0.5, -1.25]), 0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), [0.5, -1.25])


def mnist_dir(tmp_path: Path, compressed: bool, with_t10k: bool) -> tuple[Path, Digits]:
    rng = np.random.default_rng(0)
    suffix = ".gz" if compressed else ""
    parts = ["train", "t10k"] if with_t10k else ["train"]
    images, labels = [], []
    for count, part in zip([5, 3], parts, strict=False):
        part_images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        part_labels = rng.integers(0, 10, size=count).astype(np.uint8)
        write_idx(tmp_path / f"{part}-images-idx3-ubyte{suffix}", part_images)
        write_idx(tmp_path / f"{part}-labels-idx1-ubyte{suffix}", part_labels)
        images.append(part_images)
        labels.append(part_labels)
    return tmp_path, Digits(np.concatenate(images), np.concatenate(labels).astype(np.int64))


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("with_t10k", [False, True])
def test_mnist_directory_reads_every_part_present_train_first(tmp_path, compressed, with_t10k):
    directory, expected = mnist_dir(tmp_path, compressed, with_t10k)
    digits = load_digits(directory)
    np.testing.assert_array_equal(digits.images, expected.images)
    np.testing.assert_array_equal(digits.labels, expected.labels)
    assert digits.labels.dtype == np.int64


def corrupt_magic(directory: Path) -> None:
    (directory / "train-images-idx3-ubyte").write_bytes(b"\x08\x00\x08\x03" + bytes(12))


def truncate_images(directory: Path) -> None:
    path = directory / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1])


def drop_labels(directory: Path) -> None:
    (directory / "train-labels-idx1-ubyte").unlink()


def mismatch_labels(directory: Path) -> None:
    write_idx(directory / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))


def corrupt_gzip(directory: Path) -> None:
    (directory / "train-images-idx3-ubyte").unlink()
    (directory / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (corrupt_magic, "magic"),
        (truncate_images, "bytes"),
        (drop_labels, "no train-labels"),
        (mismatch_labels, "4 labels for 5 images"),
        (corrupt_gzip, "cannot read IDX"),
    ],
)
def test_damaged_mnist_directory_is_a_usage_error_naming_the_file(tmp_path, damage, fragment):
    directory, _ = mnist_dir(tmp_path, compressed=False, with_t10k=False)
    damage(directory)
    with pytest.raises(UsageError, match=fragment):
        load_digits(directory)


def test_missing_or_empty_mnist_directory_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_digits(tmp_path / "nowhere")
    with pytest.raises(UsageError, match="no MNIST IDX files"):
        load_digits(tmp_path)
