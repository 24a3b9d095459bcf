"""Shipped pretrained models, found by name (CompressAI's ``zoo`` in spirit).

A shipped codec is a pair of files in the package folder ``seqrdp/models``:
``NAME.safetensors`` (weights, never pickle) and ``NAME.json`` (the metadata written by
``seqrdp train``: config, per-frame rates, steps, data, metrics, training time). The same
functions also accept a path to a run directory or a ``.safetensors`` file of the user's own, so
every command that takes ``--model`` takes either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from seqrdp.errors import UsageError

MODELS_PACKAGE = "seqrdp.models"


@dataclass(frozen=True)
class ModelInfo:
    """What ``seqrdp models`` shows for one model."""

    name: str
    weights: Path
    meta: dict[str, Any]

    @cached_property
    def weights_hash(self) -> bytes:
        """SHA-256 of the weights file, as ``.srdp`` headers store it."""
        from seqrdp.bitstream import weights_hash

        return weights_hash(self.weights)

    @property
    def frame_bits(self) -> list[int]:
        """Bits of frame 1, 2, …; the last value repeats for longer videos."""
        return list(self.meta["frame_bits"])

    def to_dict(self) -> dict[str, Any]:
        config = self.meta.get("config", {})
        data = self.meta.get("data", {})
        return {
            "name": self.name,
            "dataset": data.get("kind", data.get("dataset", "unknown")),
            "size": list(self.meta.get("size", [config.get("height"), config.get("width")])),
            "frames": self.meta.get("frames", data.get("frames")),
            "frame_bits": self.frame_bits,
            "heads": list(self.meta.get("heads", [])),
            "mode": self.meta.get("mode"),
            "steps": self.meta.get("steps"),
            # Including the runs it was warm-started from (``seqrdp train --init``).
            "training_seconds": self.meta.get(
                "total_training_seconds", self.meta.get("training_seconds")
            ),
            "metrics": self.meta.get("metrics", {}),
        }


def _models_dir() -> Path:
    return Path(str(resources.files(MODELS_PACKAGE)))


def _is_codec(meta: dict[str, Any]) -> bool:
    return meta.get("kind", "codec") == "codec" and "frame_bits" in meta


def list_models() -> list[ModelInfo]:
    """Every shipped codec, sorted by name."""
    found = []
    for meta_path in sorted(_models_dir().glob("*.json")):
        weights = meta_path.with_suffix(".safetensors")
        meta = json.loads(meta_path.read_text())
        if weights.exists() and _is_codec(meta):
            found.append(ModelInfo(meta_path.stem, weights, meta))
    return found


def find_model(name_or_path: str) -> ModelInfo:
    """A shipped model by name, or a user's checkpoint by path.

    Raises :class:`UsageError` naming the available models when neither exists.
    """
    shipped = {info.name: info for info in list_models()}
    if name_or_path in shipped:
        return shipped[name_or_path]
    path = Path(name_or_path)
    if path.is_dir():
        path = path / "model.safetensors"
    if path.suffix == ".safetensors" and path.exists():
        meta_path = path.with_suffix(".json")
        if not meta_path.exists():
            raise UsageError(f"{meta_path} is missing: a checkpoint needs its JSON metadata")
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read {meta_path}: {exc}") from None
        name = meta.get("name") or path.parent.name
        return ModelInfo(str(name), path, meta)
    names = ", ".join(shipped) or "none shipped"
    raise UsageError(f"unknown model {name_or_path!r} (shipped models: {names})")


def load_model(name_or_path: str):
    """``(SequentialCodec, ModelInfo)`` for a shipped name or a checkpoint path, in eval mode."""
    from seqrdp.train.checkpoint import load_codec

    info = find_model(name_or_path)
    model, _ = load_codec(info.weights)
    model.eval()
    return model, info
