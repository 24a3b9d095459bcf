"""``model.json``: the metadata of a codec on disk, one schema for the writer and the readers.

Training (:func:`seqrdp.train.loop.train`) writes it beside the weights of every checkpoint;
:mod:`seqrdp.codec.loading` and the zoo read it back. Only ``codec`` (the
:class:`~seqrdp.codec.config.CodecConfig` dict) is needed to decode; everything else describes
how the codec was made. The file is a JSON object of :class:`ModelMeta`'s fields in field order,
plus any keys written after training (``scripts/ship_models.py`` adds ``universality`` and
``end_to_end``), which reading keeps in :attr:`ModelMeta.extra`.

Files written before a field existed read with the field's default or, where one is
recorded, the value it stood for (:func:`total_training_seconds`; ``size`` from the codec
config, ``frames`` from the data).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

FORMAT = 1
"""Version of the checkpoint layout this metadata describes (also tagged in the weights file)."""
KIND = "codec"


def total_training_seconds(meta: Mapping[str, Any], default: float | None = 0.0) -> float | None:
    """Training time of a codec including the runs it was warm-started from (``--init``), in
    seconds: ``total_training_seconds``, else (a file from before warm starts) its own
    ``training_seconds``, else ``default``."""
    value = meta.get("total_training_seconds", meta.get("training_seconds"))
    return default if value is None else float(value)


@dataclasses.dataclass
class ModelMeta:
    """The fields of ``model.json``.

    Attributes
    ----------
    codec
        The codec configuration (:meth:`CodecConfig.to_dict`): all that decoding needs.
    frame_bits
        ``[iframe_bits, pframe_bits]``: bits of frame 1, then of every later frame.
    name
        The model's name (a run directory's name; a shipped model's file stem).
    mode, plf
        ``universal`` or ``end-to-end``, and the end-to-end PLF (else ``None``).
    heads
        Every head, the MMSE head first.
    reference
        The head whose previous output is the P-frame reference.
    rate_bits
        Bits of each of the ``frames`` training frames.
    size, frames
        Frame ``[height, width]`` and frames per training clip.
    stage, steps, planned_steps, complete
        The stage of the last step, steps done, steps planned, and whether they are all done.
    training_seconds, total_training_seconds
        Seconds of this run's training steps; with those of the runs it was warm-started from.
    init
        What ``--init`` copied (path, name, steps, total_training_seconds, heads, fresh), or
        ``None``.
    stages
        Per stage: ``{"steps", "seconds"}``.
    data
        How the training data were made (``kind``, ``frames``, …).
    metrics
        ``train`` (the last step's losses) and ``validation`` (``clips``; per-frame MSE of every
        head).
    config
        The training configuration.
    world_size, torch, seqrdp
        Processes that trained it; the torch and seqrdp versions.
    kind, format
        ``"codec"`` and :data:`FORMAT`.
    extra
        Keys not in this schema, kept as they were.
    """

    codec: dict[str, Any]
    frame_bits: list[int]
    kind: str = KIND
    format: int | None = None
    name: str | None = None
    mode: str | None = None
    plf: str | None = None
    heads: list[str] = dataclasses.field(default_factory=list)
    reference: str | None = None
    rate_bits: list[int] | None = None
    size: list[int] | None = None
    frames: int | None = None
    stage: str | None = None
    steps: int | None = None
    planned_steps: int | None = None
    complete: bool | None = None
    training_seconds: float | None = None
    total_training_seconds: float | None = None
    init: dict[str, Any] | None = None
    stages: dict[str, Any] = dataclasses.field(default_factory=dict)
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    metrics: dict[str, Any] = dataclasses.field(default_factory=dict)
    config: dict[str, Any] | None = None
    world_size: int | None = None
    torch: str | None = None
    seqrdp: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    # Field order, not alphabetical: the order model.json has always been written in.
    _ORDER = (
        "kind", "format", "name", "mode", "plf", "heads", "reference", "frame_bits",
        "rate_bits", "size", "frames", "stage", "steps", "planned_steps", "complete",
        "training_seconds", "total_training_seconds", "init", "stages", "data", "metrics",
        "codec", "config", "world_size", "torch", "seqrdp",
    )  # fmt: skip

    @classmethod
    def from_dict(cls, meta: Mapping[str, Any]) -> ModelMeta:
        """Read a ``model.json`` object (a dict with at least ``codec`` and ``frame_bits``)."""
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        known = {k: v for k, v in meta.items() if k in names}
        extra = {k: v for k, v in meta.items() if k not in names}
        record = cls(**known, extra=extra)
        codec, data = record.codec or {}, record.data or {}
        if record.size is None and "size" in codec:
            record.size = list(codec["size"])
        if record.frames is None:
            record.frames = data.get("frames")
        record.total_training_seconds = total_training_seconds(meta, default=None)
        return record

    def to_dict(self) -> dict[str, Any]:
        """The ``model.json`` object: every field in the file's order, then :attr:`extra`."""
        return {**{name: getattr(self, name) for name in self._ORDER}, **self.extra}

    @property
    def dataset(self) -> str:
        """What the codec was trained on: the data's ``kind`` (or, in older files,
        ``dataset``)."""
        return str(self.data.get("kind", self.data.get("dataset", "unknown")))
