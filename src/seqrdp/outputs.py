"""Output paths checked before the work, so that a long job cannot fail at its very end on a
path it could never have written (a parent that is a file, a read-only or virtual file system
such as ``/proc``, a directory without write permission)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from seqrdp.errors import UsageError


def check_output(path: str | Path, *, directory: bool = False) -> Path:
    """Refuse an output that cannot be written; returns ``path`` as a :class:`Path`.

    Parameters
    ----------
    path
        The file (or, with ``directory``, the directory) a command will create or replace.
        Missing parent directories are fine: writers create them.
    directory
        The output is a directory, so an existing file at ``path`` is refused (and the other
        way round without it).

    Raises
    ------
    UsageError
        ``path`` exists as the other kind, its nearest existing ancestor is not a directory, or
        no file can be created in that ancestor. The last is tried for real: a probe file is
        created and removed there, which also catches read-only mounts and ``/proc``, and holds
        for root, whom permission bits do not stop.
    """
    if not str(path).strip():
        raise UsageError("the output path is empty")
    path = Path(path)
    if directory and path.exists() and not path.is_dir():
        raise UsageError(f"{path} exists and is not a directory")
    if not directory and path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name")
    ancestor = path.parent if path.name else path
    while not ancestor.exists():
        if ancestor == ancestor.parent:
            break
        ancestor = ancestor.parent
    if directory and path.is_dir():
        ancestor = path  # its files are replaced in place
    if not ancestor.is_dir():
        raise UsageError(f"cannot write {path}: {ancestor} is not a directory")
    try:
        handle, probe = tempfile.mkstemp(dir=ancestor, prefix=".seqrdp-probe-")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {ancestor}: {exc.strerror or exc}") from None
    os.close(handle)
    os.unlink(probe)
    return path
