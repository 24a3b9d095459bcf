"""Progress bars for long work, on stderr so that ``--json`` stdout stays clean."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any


def progress(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    initial: int = 0,
    desc: str = "",
    disable: bool | None = None,
):
    """A tqdm bar with ETA on stderr: iterate over it, or drive it by hand (``update``,
    ``set_postfix`` for live losses) when ``iterable`` is ``None``.

    The bar is hidden when stderr is not a terminal (``disable=None``), so logs and CI stay
    readable; pass ``disable=False`` to force it. ``initial`` starts a resumed bar part-way.
    """
    from tqdm.auto import tqdm

    if disable is None:
        disable = not sys.stderr.isatty()
    return tqdm(
        iterable,
        total=total,
        initial=initial,
        desc=desc,
        disable=disable,
        file=sys.stderr,
        dynamic_ncols=True,
    )
