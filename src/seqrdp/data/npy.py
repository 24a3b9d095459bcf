"""uint8 ``.npy`` files: read without pickles and with the header checked before any
allocation, and written piece by piece. The video and dataset layers both build on it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from seqrdp.data.atomic import atomic_output
from seqrdp.errors import UsageError
from seqrdp.limits import format_bytes

_NPY_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def read_npy(path: Path, *, mmap: bool = False) -> np.ndarray:
    """``np.load`` of a uint8 array without pickles, every failure a one-line UsageError.

    The header is checked first (:func:`npy_layout`), so a file that declares more data than
    it holds (a 90 TiB shape in a 1 kB file) is refused before anything is allocated.
    """
    npy_layout(path)
    try:
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise UsageError(f"cannot read {path} as .npy: {exc}") from None
    if not isinstance(array, np.ndarray):
        raise UsageError(f"{path} holds several arrays (.npz); expected one .npy array")
    return array


def npy_layout(path: Path) -> tuple[tuple[int, ...], int]:
    """``(shape, data offset)`` of a uint8 ``.npy`` file, read from its header alone.

    Raises
    ------
    UsageError
        Not a ``.npy`` file, a malformed header, a dtype other than uint8, or a data size
        other than the file's: ``offset + prod(shape)`` must be exactly the file size.
    """
    try:
        with open(path, "rb") as file:
            version = np.lib.format.read_magic(file)
            reader = _NPY_READERS.get(version)
            if reader is None:
                raise ValueError(f"format version {version} is not 1.0 or 2.0")
            shape, _, dtype = reader(file)
            offset = file.tell()
            size = file.seek(0, 2)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except Exception as exc:  # numpy's header parser raises many types on hostile bytes
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise UsageError(f"cannot read {path} as .npy: {reason}") from None
    if dtype.hasobject:
        raise UsageError(f"cannot read {path}: it holds Python objects (a pickle), never loaded")
    if dtype != np.uint8:
        raise UsageError(f"{path} has dtype {dtype}; videos must be uint8 (0-255)")
    declared = math.prod(shape)
    if size - offset != declared:
        raise UsageError(
            f"{path} declares shape {shape} ({format_bytes(declared)}) but holds "
            f"{format_bytes(size - offset)} of data"
        )
    return shape, offset


def write_npy_frames(path: str | Path, shape: tuple[int, ...], frames: Iterable[np.ndarray]) -> int:
    """Write a uint8 ``.npy`` of ``shape`` from pieces as they come (frames, in C order),
    holding one piece in memory at a time; returns the bytes written.

    The pieces must fill the array exactly. The file appears only when complete (written under
    a temporary name, then renamed); an exception from ``frames`` leaves nothing. The bytes are
    those of ``np.save`` of the whole array.
    """
    shape = tuple(int(extent) for extent in shape)
    expected = math.prod(shape)
    written = 0
    with atomic_output(path) as partial, open(partial, "wb") as file:
        header = {"descr": "|u1", "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(file, header)
        for frame in frames:
            frame = np.ascontiguousarray(frame)
            if frame.dtype != np.uint8:
                raise ValueError(f"frames must be uint8, got {frame.dtype}")
            written += frame.size
            if written > expected:
                raise ValueError(f"more than the {expected} bytes of shape {shape}")
            file.write(frame.tobytes())
        if written != expected:
            raise ValueError(f"{written} bytes given for shape {shape}, which needs {expected}")
        return file.tell()
