"""Loading a trained codec from disk, and the identity that a ``.srdp`` stream checks.

A codec on disk is a pair of files, never a pickle:

* ``NAME.safetensors`` — the weights (every tensor of :meth:`SequentialCodec.state_dict`);
* ``NAME.json`` — metadata written by ``seqrdp train``
  (:class:`~seqrdp.codec.metadata.ModelMeta`); its ``codec`` entry is the
  :class:`~seqrdp.codec.config.CodecConfig` dict that builds the model's shape.

A directory holding ``model.safetensors`` and ``model.json`` is such a pair too. A training run
directory keeps each checkpoint in its own subdirectory and a one-line ``latest`` file naming
the newest complete one; the loader follows it, so a run directory always loads as one
consistent checkpoint, even while training writes the next one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import torch

from seqrdp.codec.config import CodecConfig
from seqrdp.codec.metadata import ModelMeta
from seqrdp.codec.model import SequentialCodec
from seqrdp.errors import UsageError

MODEL_FILE = "model.safetensors"
META_FILE = "model.json"
LATEST_FILE = "latest"
# Versions the serialisation that model_hash digests, so that a future change cannot collide.
HASH_DOMAIN = b"seqrdp-model-1\n"


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The checkpoint subdirectory that ``run_dir/latest`` names, or ``None`` without one."""
    pointer = Path(run_dir) / LATEST_FILE
    if not pointer.is_file():
        return None
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {pointer}: {exc}") from None
    # Only a child of the run directory: the pointer must not lead anywhere else.
    if name in ("", ".", "..") or Path(name).name != name:
        raise UsageError(f"{pointer} does not name a checkpoint directory ({name!r})")
    return Path(run_dir) / name


def model_paths(path: str | Path) -> tuple[Path, Path]:
    """``(weights, metadata)`` of a codec on disk.

    ``path`` is a directory with ``model.safetensors`` and ``model.json`` (a run directory's
    ``latest`` checkpoint when it has one) or a ``.safetensors`` file with a sibling ``.json``
    of the same stem.
    """
    path = Path(path)
    if path.is_dir():
        path = latest_checkpoint(path) or path
        return path / MODEL_FILE, path / META_FILE
    if path.suffix != ".safetensors":
        raise UsageError(f"{path} is neither a model directory nor a .safetensors file")
    return path, path.with_suffix(".json")


def read_tensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and header metadata of a safetensors file (UsageError if unreadable)."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        return load_file(str(path)), metadata
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist") from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise UsageError(f"{path} is not a readable safetensors file: {exc}") from None


def read_meta(path: Path) -> dict[str, Any]:
    """A codec's JSON metadata; UsageError when it is missing, unreadable or has no codec."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path} is missing: a checkpoint needs its JSON metadata") from None
    except (OSError, ValueError, RecursionError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("codec"), dict):
        raise UsageError(f"{path} is not seqrdp codec metadata (no 'codec' object)")
    return meta


def codec_config(meta: Mapping[str, Any], where: Path | str) -> CodecConfig:
    """The :class:`CodecConfig` of a metadata dict; UsageError naming ``where`` if invalid."""
    try:
        return CodecConfig.from_dict(meta["codec"])
    except (TypeError, ValueError) as exc:  # e.g. "levels": "4" or a size of three numbers
        raise UsageError(f"{where}: invalid codec config: {exc}") from None


def model_hash(tensors: Mapping[str, torch.Tensor], config: CodecConfig) -> bytes:
    """The identity of a codec: a SHA-256 digest (32 bytes) of everything decoding depends on.

    It covers the weights and the codec config, and nothing about the file that holds them
    (safetensors header order, metadata, training records): two files that decode alike have
    the same identity, and a change to any tensor or to any config field (``reference``,
    ``scale_sigma``, …) changes it. The digest is over, in order,

    * ``b"seqrdp-model-1\\n"``;
    * the config as canonical JSON (:meth:`CodecConfig.to_dict`, keys sorted, separators
      ``","`` and ``":"``, ASCII) and ``b"\\n"``;
    * for each tensor in sorted name order: the JSON list ``[name, dtype, shape, nbytes]``
      (same canonical form; dtype as torch spells it without ``torch.``, e.g. ``"float32"``),
      ``b"\\n"``, then its ``nbytes`` bytes, C order, little-endian.
    """
    digest = hashlib.sha256(HASH_DOMAIN)
    digest.update(_canonical_json(config.to_dict()) + b"\n")
    for name in sorted(tensors):
        tensor = tensors[name].detach().to("cpu").contiguous()
        data = tensor.reshape(-1).view(torch.uint8).numpy().tobytes()
        dtype = str(tensor.dtype).removeprefix("torch.")
        digest.update(_canonical_json([name, dtype, list(tensor.shape), len(data)]) + b"\n")
        digest.update(data)
    return digest.digest()


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def load_codec(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[SequentialCodec, dict[str, Any]]:
    """Load a trained codec: ``(SequentialCodec in eval mode, metadata dict)``.

    Parameters
    ----------
    path
        A model directory or run directory, or a ``.safetensors`` file with a sibling
        ``.json`` (see :func:`model_paths`).
    device
        Where to put the weights.
    """
    info = read_info(path)
    return info.load(device), info.meta


def read_info(path: str | Path) -> ModelInfo:
    """The :class:`ModelInfo` of a codec on disk (see :func:`model_paths`), without loading
    the weights; its name is the metadata's ``name``, else the directory's or file's name."""
    path = Path(path)
    weights, meta_path = model_paths(path)
    if not weights.is_file():
        raise UsageError(f"{weights} does not exist")
    meta = read_meta(meta_path)
    name = meta.get("name") or (path.resolve().name if path.is_dir() else path.stem)
    return ModelInfo(str(name), weights, meta)


@dataclass(frozen=True)
class ModelInfo:
    """A codec on disk: its name, weights file and metadata (what ``seqrdp models`` shows)."""

    name: str
    weights: Path
    meta: dict[str, Any]

    @property
    def meta_path(self) -> Path:
        return model_paths(self.weights)[1]

    @cached_property
    def weights_hash(self) -> bytes:
        """The codec's identity, as ``.srdp`` headers store it: :func:`model_hash` of the
        weights and the codec config (after :meth:`load`, of exactly what it loaded)."""
        tensors, _ = read_tensors(self.weights)
        return model_hash(tensors, codec_config(self.meta, self.meta_path))

    def load(self, device: str | torch.device = "cpu") -> SequentialCodec:
        """The codec in eval mode, built from :attr:`meta` and the weights file.

        The file must hold exactly the tensors the config builds, of the same names, dtypes
        and shapes, and be tagged with the metadata's step (a weights file and a JSON file
        from two checkpoints are refused).
        """
        tensors, header = read_tensors(self.weights)
        steps = self.meta.get("steps")
        if steps is not None and header.get("steps") not in (None, str(steps)):
            raise UsageError(
                f"{self.weights} (step {header.get('steps')}) and {self.meta_path} (step "
                f"{steps}) are from different checkpoints"
            )
        config = codec_config(self.meta, self.meta_path)
        with torch.device("meta"):  # shapes first: a tampered config must not allocate
            own = SequentialCodec(config).state_dict()
        for name in sorted(own.keys() | tensors.keys()):
            if name not in tensors or name not in own:
                which = "missing" if name not in tensors else "unexpected"
                raise UsageError(f"{self.weights} does not fit its config: {which} {name}")
            mine, theirs = own[name], tensors[name]
            if mine.shape != theirs.shape or mine.dtype != theirs.dtype:
                raise UsageError(
                    f"{self.weights} does not fit its config: {name} is {theirs.dtype} "
                    f"{list(theirs.shape)}, the config builds {mine.dtype} {list(mine.shape)}"
                )
        model = SequentialCodec(config)
        model.load_state_dict(tensors)
        # The identity of what was loaded, not of a second read of a file that may change.
        self.__dict__["weights_hash"] = model_hash(tensors, model.codec_config)
        return model.to(device).eval()

    @cached_property
    def metadata(self) -> ModelMeta:
        """:attr:`meta` read through the one schema of ``model.json``."""
        return ModelMeta.from_dict(self.meta)

    @property
    def frame_bits(self) -> list[int]:
        """Bits of frame 1, 2, …; the last value repeats for longer videos."""
        return list(self.meta["frame_bits"])

    def to_dict(self) -> dict[str, Any]:
        """What ``seqrdp models --json`` lists for this codec."""
        meta = self.metadata
        return {
            "name": self.name,
            "dataset": meta.dataset,
            "size": list(meta.size or []),
            "frames": meta.frames,
            "frame_bits": self.frame_bits,
            "heads": list(meta.heads),
            "mode": meta.mode,
            "steps": meta.steps,
            # Including the runs it was warm-started from (``seqrdp train --init``).
            "training_seconds": meta.total_training_seconds,
            "metrics": meta.metrics,
        }
