"""Checkpoints: safetensors for every tensor, JSON for everything else; never pickle.

A run directory holds

* ``model.safetensors`` — the codec's weights (all that decoding needs);
* ``state.safetensors`` — critics and optimiser moments (only resuming needs them);
* ``model.json`` — metadata: codec config, training config, rates, steps, stage, data,
  metrics, training seconds, torch version.

Each file is written to a temporary name in the same directory and renamed over the old one
(atomic on POSIX), the JSON last; both safetensors files carry the step in their header, so a
crash between renames is detected rather than silently mixing two checkpoints.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from seqrdp.errors import UsageError

MODEL_FILE = "model.safetensors"
STATE_FILE = "state.safetensors"
META_FILE = "model.json"
FORMAT = 1


def _atomic(path: Path, write) -> None:
    # A per-process temporary name in the same directory (so the rename stays on one file
    # system), created with the usual permissions.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_tensors(
    path: Path, tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str]
) -> None:
    """Atomically write ``tensors`` (moved to CPU, made contiguous) as safetensors."""
    plain = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    _atomic(path, lambda tmp: save_file(plain, tmp, metadata=dict(metadata)))


def save_json(path: Path, data: Mapping[str, Any]) -> None:
    """Atomically write ``data`` as indented JSON."""
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def save_checkpoint(
    out: Path,
    model_tensors: Mapping[str, torch.Tensor],
    state_tensors: Mapping[str, torch.Tensor],
    meta: Mapping[str, Any],
    state_metadata: Mapping[str, str] | None = None,
) -> None:
    """Write the three checkpoint files of a run directory; ``meta["steps"]`` (steps done)
    tags them, and ``state_metadata`` goes into the state file's header."""
    out.mkdir(parents=True, exist_ok=True)
    tag = {"steps": str(meta["steps"]), "format": str(FORMAT)}
    save_tensors(out / STATE_FILE, state_tensors, {**tag, **(state_metadata or {})})
    save_tensors(out / MODEL_FILE, model_tensors, tag)
    save_json(out / META_FILE, meta)


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


def read_tensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and header metadata of a safetensors file (UsageError if unreadable)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        return load_file(str(path)), metadata
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist") from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise UsageError(f"{path} is not a readable safetensors file: {exc}") from None


def read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path} is missing: a checkpoint needs its JSON metadata") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not isinstance(meta, dict) or "codec" not in meta:
        raise UsageError(f"{path} is not seqrdp codec metadata (no 'codec' entry)")
    return meta


def total_training_seconds(meta: Mapping[str, Any]) -> float:
    """Training time of a checkpoint including the runs it was warm-started from (``--init``)."""
    return float(meta.get("total_training_seconds", meta.get("training_seconds", 0.0)))


def checkpoint_paths(path: str | Path) -> tuple[Path, Path]:
    """``(weights, metadata)`` of a run directory or of a ``.safetensors`` file with a sibling
    ``.json`` of the same stem."""
    path = Path(path)
    if path.is_dir():
        return path / MODEL_FILE, path / META_FILE
    if path.suffix != ".safetensors":
        raise UsageError(f"{path} is neither a run directory nor a .safetensors file")
    return path, path.with_suffix(".json")


def load_codec(path: str | Path, device: str | torch.device = "cpu"):
    """Load a trained codec: ``(SequentialCodec in eval mode, metadata dict)``.

    Parameters
    ----------
    path
        A run directory (``model.safetensors`` + ``model.json``) or a ``.safetensors`` file
        with a sibling ``.json``.
    device
        Where to put the weights.
    """
    from seqrdp.codec.model import SequentialCodec

    weights, meta_path = checkpoint_paths(path)
    meta = read_meta(meta_path)
    tensors, header = read_tensors(weights)
    if "steps" in meta and header.get("steps") not in (None, str(meta["steps"])):
        raise UsageError(
            f"{weights} (step {header.get('steps')}) and {meta_path} (step {meta['steps']}) are "
            "from different checkpoints"
        )
    model = SequentialCodec.from_config(meta["codec"])
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    if missing or unexpected:
        name = (missing or unexpected)[0]
        raise UsageError(
            f"{weights} does not fit its config: {'missing' if missing else 'unexpected'} {name}"
        )
    return model.to(device).eval(), meta
