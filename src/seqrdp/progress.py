"""Progress bars for long work, on stderr so that ``--json`` stdout stays clean."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(
    iterable: Iterable[T], *, total: int | None = None, desc: str = "", disable: bool | None = None
) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm bar with ETA on stderr.

    The bar is hidden when stderr is not a terminal (``disable=None``), so logs and CI stay
    readable; pass ``disable=False`` to force it.
    """
    from tqdm.auto import tqdm

    if disable is None:
        disable = not sys.stderr.isatty()
    return iter(
        tqdm(iterable, total=total, desc=desc, disable=disable, file=sys.stderr, dynamic_ncols=True)
    )
