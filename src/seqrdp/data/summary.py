"""A short description of a video set: what ``seqrdp data info`` and ``--json`` print."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from seqrdp.data.arrays import VideoSet, sidecar_path

# Sequences whose pixels are reduced at once when scanning a (memory-mapped) file.
_SCAN_BYTES = 1 << 26
# Lists in meta longer than this (e.g. KTH's per-clip sources) are shown as their length.
_LONGEST_META_LIST = 32


def summarize(data: VideoSet, path: str | Path | None = None) -> dict[str, Any]:
    """JSON-ready description of ``data`` (optionally read from ``path``).

    Keys: ``path``, ``sidecar`` (its path, or ``None`` when absent), ``sequences``, ``frames``,
    ``height``, ``width``, ``channels`` (1 grey, 3 RGB), ``shape``, ``dtype``, ``range``
    (``min``, ``max``, ``mean`` pixel value, 0–255), ``labels`` (``None`` or its ``shape`` and
    ``counts`` per label, named by ``meta['label_names']`` when present), ``meta`` (long lists
    replaced by ``"<n entries>"``).
    """
    videos = data.videos
    sidecar = None
    if path is not None and Path(path).suffix == ".npy" and sidecar_path(path).exists():
        sidecar = str(sidecar_path(path))
    return {
        "path": None if path is None else str(path),
        "sidecar": sidecar,
        "sequences": len(data),
        "frames": data.frames,
        "height": int(videos.shape[2]),
        "width": int(videos.shape[3]),
        "channels": data.channels,
        "shape": [int(extent) for extent in videos.shape],
        "dtype": str(videos.dtype),
        "range": _value_range(videos),
        "labels": _label_summary(data.labels, data.meta.get("label_names")),
        "meta": {key: _abbreviate(value) for key, value in data.meta.items()},
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The human-readable form of :func:`summarize`'s result, one fact per line."""
    kind = "grey" if summary["channels"] == 1 else "RGB"
    value_range = summary["range"]
    lines = [
        f"path: {summary['path']}",
        f"sidecar: {summary['sidecar'] or 'none'}",
        f"videos: {summary['sequences']} x {summary['frames']} frames of "
        f"{summary['height']}x{summary['width']} {kind}, {summary['dtype']}",
        f"values: {value_range['min']}..{value_range['max']}, mean {value_range['mean']:.3f}",
    ]
    labels = summary["labels"]
    if labels is None:
        lines.append("labels: none")
    else:
        counts = ", ".join(f"{name}: {count}" for name, count in labels["counts"].items())
        lines.append(f"labels: shape {tuple(labels['shape'])}; {counts}")
    lines.append("meta:" if summary["meta"] else "meta: none")
    lines.extend(f"  {key}: {value}" for key, value in summary["meta"].items())
    return "\n".join(lines)


def _value_range(videos: np.ndarray) -> dict[str, float | int]:
    per_sequence = max(1, _SCAN_BYTES // max(1, videos[0].nbytes))
    low, high, total = 255, 0, 0
    for start in range(0, len(videos), per_sequence):
        block = np.asarray(videos[start : start + per_sequence])
        low, high = min(low, int(block.min())), max(high, int(block.max()))
        total += int(block.sum(dtype=np.uint64))
    return {"min": low, "max": high, "mean": total / videos.size}


def _label_summary(labels: np.ndarray | None, names: list[str] | None) -> dict[str, Any] | None:
    if labels is None:
        return None
    counts = Counter(int(label) for label in np.asarray(labels).ravel())

    def name(label: int) -> str:
        return names[label] if names and 0 <= label < len(names) else str(label)

    return {
        "shape": [int(extent) for extent in labels.shape],
        "counts": {name(label): counts[label] for label in sorted(counts)},
    }


def _abbreviate(value: Any) -> Any:
    if isinstance(value, list) and len(value) > _LONGEST_META_LIST:
        return f"<{len(value)} entries>"
    return value
