"""Training checkpoints, each one committed in one atomic step; safetensors for every tensor,
JSON for everything else, never pickle.

A run directory holds

* ``ckpt-<steps>/`` — one checkpoint: ``model.safetensors`` (the codec's weights, all that
  decoding needs), ``state.safetensors`` (critics and optimiser moments, for resuming) and
  ``model.json`` (metadata: codec config, training config, rates, steps, stage, data, metrics,
  training seconds, torch version);
* ``latest`` — one line, the name of the newest complete checkpoint directory;
* ``model.safetensors`` and ``model.json`` — copies of the latest checkpoint's, so that the
  run directory's top level is a codec file pair too.

A checkpoint is written into a new directory and flushed to disk; then ``latest`` is replaced
(``os.replace``, atomic on POSIX) — the commit. Only after it are the top-level pair replaced
and the older checkpoint directories deleted. A crash at any point leaves ``latest`` naming a
complete checkpoint, the new one or the previous one; what it does not name (a half-written
directory, a temporary file) is removed by the next save or resume. The loader
(:mod:`seqrdp.codec.loading`) follows ``latest`` too.

Every file's bytes depend only on its content: safetensors headers are written with sorted
keys (safetensors itself orders the metadata at random), so identical runs write identical
files.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from seqrdp.codec.loading import (
    LATEST_FILE,
    META_FILE,
    MODEL_FILE,
    latest_checkpoint,
    model_paths,
    read_meta,
    read_tensors,
)
from seqrdp.codec.metadata import FORMAT

__all__ = [
    "FORMAT",
    "META_FILE",
    "MODEL_FILE",
    "STATE_FILE",
    "clean",
    "current",
    "load_optimizer",
    "model_paths",
    "optimizer_tensors",
    "read_meta",
    "read_tensors",
    "safetensors_bytes",
    "save_checkpoint",
]

STATE_FILE = "state.safetensors"
CHECKPOINT = re.compile(r"ckpt-\d+")
TEMPORARY = ".tmp"  # in every temporary name of a run directory, all hidden (leading dot)


def save_checkpoint(
    out: Path,
    model_tensors: Mapping[str, torch.Tensor],
    state_tensors: Mapping[str, torch.Tensor],
    meta: Mapping[str, Any],
    state_metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write and commit the checkpoint ``out/ckpt-<steps>`` (``steps = meta["steps"]``, the
    steps done, which also tags both safetensors files); ``state_metadata`` goes into the
    state file's header. Returns the checkpoint directory."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"ckpt-{int(meta['steps'])}"
    directory = out / name
    if latest_checkpoint(out) == directory:
        raise RuntimeError(f"{directory} is the current checkpoint; steps only grow")
    if directory.exists():  # half-written by a run killed at this step
        shutil.rmtree(directory)
    directory.mkdir()
    tag = {"steps": str(meta["steps"]), "format": str(FORMAT)}
    _write(
        directory / STATE_FILE, safetensors_bytes(state_tensors, {**tag, **(state_metadata or {})})
    )
    _write(directory / MODEL_FILE, safetensors_bytes(model_tensors, tag))
    _write(directory / META_FILE, (json.dumps(meta, indent=2) + "\n").encode())
    _sync_directory(directory)
    pointer = out / f".{LATEST_FILE}{TEMPORARY}"
    _write(pointer, f"{name}\n".encode())
    os.replace(pointer, out / LATEST_FILE)  # the commit
    _sync_directory(out)
    clean(out)
    return directory


def current(out: Path) -> Path | None:
    """The directory that holds the run's newest complete checkpoint: the one ``latest``
    names, or ``out`` itself for a run saved before checkpoints had their own directories;
    ``None`` when the run has no checkpoint."""
    named = latest_checkpoint(out)
    if named is not None:
        return named
    return out if (out / META_FILE).exists() else None


def clean(out: Path) -> None:
    """Make the run directory what a committed checkpoint leaves: the top-level codec pair
    copied from the current checkpoint, and nothing left over from a killed save (temporary
    files, checkpoint directories other than the current one, the old layout's state file)."""
    named = latest_checkpoint(out)
    if named is None:
        return
    for file in (MODEL_FILE, META_FILE):
        _publish(named / file, out / file)
    for entry in out.iterdir():
        if entry.name.startswith(".") and TEMPORARY in entry.name:  # also .samples.png.tmp.png
            _remove(entry)
        elif CHECKPOINT.fullmatch(entry.name) and entry.name != named.name:
            _remove(entry)
    (out / STATE_FILE).unlink(missing_ok=True)


def safetensors_bytes(tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str]) -> bytes:
    """A safetensors file of ``tensors`` (moved to CPU, made contiguous) whose bytes depend
    only on its content: the JSON header is re-serialised with sorted keys, padded with
    spaces to a multiple of 8 bytes as the format asks."""
    from safetensors.torch import save

    plain = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    raw = save(plain, metadata=dict(metadata))
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + length])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + raw[8 + length :]


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_directory(path: Path) -> None:
    """Flush a directory's entries (new names, renames) to disk, where the OS allows it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _publish(source: Path, target: Path) -> None:
    """Replace ``target`` atomically by a copy of ``source``. A copy, not a hard link: a user
    who overwrites the top-level file in place (``cp``) must not change the checkpoint."""
    partial = target.with_name(f".{target.name}{TEMPORARY}")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def optimizer_tensors(prefix: str, optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """An optimiser's per-parameter state as flat tensors ``prefix.<index>.<name>``; the
    hyperparameters are not stored (they come from the config)."""
    tensors = {}
    for index, values in optimizer.state_dict()["state"].items():
        for name, value in values.items():
            tensors[f"{prefix}.{index}.{name}"] = torch.as_tensor(value)
    return tensors


def load_optimizer(
    optimizer: torch.optim.Optimizer, prefix: str, tensors: Mapping[str, torch.Tensor]
) -> None:
    """Restore state written by :func:`optimizer_tensors` into a freshly built optimiser."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        head, _, rest = key.partition(".")
        if head != prefix:
            continue
        index, _, name = rest.partition(".")
        state.setdefault(int(index), {})[name] = value
    packed = optimizer.state_dict()
    packed["state"] = state
    optimizer.load_state_dict(packed)
