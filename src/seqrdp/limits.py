"""What this machine can hold: work whose arrays cannot fit in memory is refused before anything
is allocated, with one line saying how much it needs, instead of a ``MemoryError`` half-way."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

from seqrdp.errors import UsageError

# Far beyond what helps on any CPU, and far below what the OS can start.
MAX_THREADS = 1024


def physical_memory() -> int:
    """Bytes of physical memory of this machine (``SC_PHYS_PAGES · SC_PAGE_SIZE``); a very
    large number where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return 2**63


def format_bytes(size: float) -> str:
    """``1.5 GiB``-style size."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def check_fits(shape: Iterable[int], itemsize: int, what: str) -> int:
    """Refuse an array of ``shape`` and ``itemsize`` bytes per element larger than this
    machine's physical memory; returns its size in bytes.

    Raises :class:`UsageError` naming ``what`` and both sizes.
    """
    size = math.prod(int(extent) for extent in shape) * int(itemsize)
    available = physical_memory()
    if size > available:
        raise UsageError(
            f"{what} needs {format_bytes(size)}, more than this machine's memory "
            f"({format_bytes(available)})"
        )
    return size
