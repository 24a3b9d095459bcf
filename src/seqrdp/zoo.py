"""Shipped pretrained models, found by name (CompressAI's ``zoo`` in spirit).

A shipped codec is a pair of files in the package folder ``seqrdp/models``:
``NAME.safetensors`` (weights, never pickle) and ``NAME.json`` (the metadata written by
``seqrdp train``: config, per-frame rates, steps, data, metrics, training time). The same
functions also accept a path to a run directory or a ``.safetensors`` file of the user's own, so
every command that takes ``--model`` takes either; a model name read from a stream is only
looked up among the shipped ones (``shipped_only``), never as a path.
"""

from __future__ import annotations

import json
import warnings
from importlib import resources
from pathlib import Path

from seqrdp.codec.loading import ModelInfo, read_info
from seqrdp.errors import UsageError

MODELS_PACKAGE = "seqrdp.models"

__all__ = ["ModelInfo", "find_model", "list_models", "load_model"]


def _models_dir() -> Path:
    return Path(str(resources.files(MODELS_PACKAGE)))


def _is_codec(meta: object) -> bool:
    return (
        isinstance(meta, dict)
        and meta.get("kind", "codec") == "codec"
        and "frame_bits" in meta
        and isinstance(meta.get("codec"), dict)
    )


def list_models() -> list[ModelInfo]:
    """Every shipped codec, sorted by name; an unreadable JSON file is skipped with a warning."""
    found = []
    for meta_path in sorted(_models_dir().glob("*.json")):
        weights = meta_path.with_suffix(".safetensors")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            warnings.warn(f"skipping the shipped model file {meta_path.name}: {exc}", stacklevel=2)
            continue
        if weights.exists() and _is_codec(meta):
            found.append(ModelInfo(meta_path.stem, weights, meta))
    return found


def find_model(name_or_path: str, *, shipped_only: bool = False) -> ModelInfo:
    """A shipped model by name or, unless ``shipped_only``, a user's checkpoint by path.

    ``shipped_only`` is for names that come from untrusted input such as a stream's header:
    they must never choose a file on the user's machine.

    Raises :class:`UsageError` naming the available models when neither exists.
    """
    shipped = {info.name: info for info in list_models()}
    if name_or_path in shipped:
        return shipped[name_or_path]
    names = ", ".join(shipped) or "none shipped"
    if shipped_only:
        raise UsageError(f"{name_or_path!r} is not a shipped model (shipped models: {names})")
    path = Path(name_or_path)
    if path.is_dir() or (path.suffix == ".safetensors" and path.exists()):
        return read_info(path)
    raise UsageError(f"unknown model {name_or_path!r} (shipped models: {names})")


def load_model(name_or_path: str, device: str = "cpu", *, shipped_only: bool = False):
    """``(SequentialCodec in eval mode, ModelInfo)`` for a shipped name or a checkpoint path.

    Parameters
    ----------
    name_or_path
        A shipped model's name (``seqrdp models``), or a run directory or ``.safetensors``
        file of your own.
    device
        Where to put the weights.
    shipped_only
        Look the name up among the shipped models only (see :func:`find_model`).
    """
    info = find_model(name_or_path, shipped_only=shipped_only)
    return info.load(device), info
