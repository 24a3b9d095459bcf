"""Write-then-rename, so that a failed or interrupted write never leaves a partial output."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    The temporary name keeps ``path``'s suffix (writers such as ``np.save`` and FFmpeg choose
    the format by it) and is created by the caller, so the file gets the usual permissions
    (umask), unlike ``tempfile``'s private ones. On any exception the temporary file or
    directory is removed and ``path`` is left as it was. Parent directories are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.partial{path.suffix}")
    try:
        yield partial
        os.replace(partial, path)
    except BaseException:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
        raise
