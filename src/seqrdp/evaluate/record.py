"""Recorded metrics of shipped models, and the universality comparison.

A shipped codec's JSON holds ``metrics.evaluation``: its per-frame MSE and digit identities on
a fixed, regenerable set of Moving MNIST test sequences (:data:`RECORD_SET`), computed by
:func:`~seqrdp.evaluate.run.evaluate_codec` (no critics: they are the slow, noisy part). The
test suite recomputes them from the shipped weights, so a shipped number cannot drift from what
the weights do. The low-rate model also holds ``universality``: each universal head's MSE next to
an end-to-end codec of the same PLF, trained from the same warm start for as many steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from seqrdp.data.arrays import VideoSet

# The fixed evaluation set: test digits (never seen in training), regenerated on demand.
RECORD_SET: dict[str, Any] = {"sequences": 128, "frames": 3, "split": "test", "seed": 31337}
RECORDED = ("mse", "identity_source", "identity_first")


def record_set(size: int = 64) -> VideoSet:
    """The fixed evaluation set at frame size ``size``."""
    from seqrdp.data.moving_mnist import generate_moving_mnist

    return generate_moving_mnist(
        RECORD_SET["sequences"], RECORD_SET["frames"], size=size, split=RECORD_SET["split"],
        seed=RECORD_SET["seed"],
    )  # fmt: skip


def recorded_metrics(model: Any) -> dict[str, Any]:
    """``{"data": RECORD_SET, "heads": {head: {mse, identity_source, identity_first}}}`` of
    every head of ``model`` on :func:`record_set` (sequence ``i`` coded with seed
    ``RECORD_SET.seed + i``)."""
    from seqrdp.evaluate.run import evaluate_codec

    data = record_set(model.codec_config.size[0])
    result = evaluate_codec(model, data, seeds=RECORD_SET["seed"], critic_steps=0)
    return {
        "data": dict(RECORD_SET),
        "heads": {
            head: {key: values[key] for key in RECORDED} for head, values in result["heads"].items()
        },
    }


def universality_rows(
    universal: Mapping[str, Any], end_to_end: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per PLF: mean MSE over frames of the universal head and of the end-to-end codec
    (both :func:`recorded_metrics` results; ``end_to_end`` maps PLF → result) and their ratio."""
    rows = []
    for plf, result in end_to_end.items():
        uni = _mean(universal["heads"][plf]["mse"])
        e2e = _mean(result["heads"][plf]["mse"])
        rows.append({"plf": plf, "universal_mse": uni, "end_to_end_mse": e2e, "ratio": uni / e2e})
    return rows


def ladder_points(models: Iterable[Any]) -> list[dict[str, Any]]:
    """The rate ladder: for each shipped universal model (a
    :class:`~seqrdp.codec.loading.ModelInfo` with recorded metrics), its frame-1 and P-frame
    bits and, per head, ``identity_first`` and ``identity_source`` averaged over frames 2..T of
    the recorded set. Sorted by P-frame bits, then frame-1 bits."""
    points = []
    for info in models:
        meta = info.meta
        evaluation = meta.get("metrics", {}).get("evaluation")
        if meta.get("mode", "universal") != "universal" or not evaluation:
            continue
        heads = {
            head: {key: _mean(values[key][1:]) for key in ("identity_first", "identity_source")}
            for head, values in evaluation["heads"].items()
            if len(values["identity_first"]) > 1
        }
        first, later = meta["frame_bits"][0], meta["frame_bits"][1]
        points.append({"name": info.name, "iframe_bits": first, "pframe_bits": later,
                       "heads": heads})  # fmt: skip
    return sorted(points, key=lambda p: (p["pframe_bits"], p["iframe_bits"], p["name"]))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)
