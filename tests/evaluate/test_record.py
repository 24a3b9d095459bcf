"""Shipped models: the metrics in their JSON are what their weights do on the fixed set."""

import pytest

from seqrdp import zoo
from seqrdp.evaluate.record import (
    RECORD_SET,
    ladder_points,
    record_set,
    recorded_metrics,
    universality_rows,
)

SHIPPED = [info.name for info in zoo.list_models()]


def test_the_record_set_is_regenerated_identically():
    first, second = record_set(), record_set()
    assert first.videos.shape == (RECORD_SET["sequences"], RECORD_SET["frames"], 64, 64)
    assert (first.videos == second.videos).all() and (first.labels == second.labels).all()


def test_the_low_rate_point_is_shipped_with_every_head():
    low = [
        info for info in zoo.list_models()
        if info.frame_bits[0] <= 4 and min(info.frame_bits[1:]) >= 32
    ]  # fmt: skip
    assert low, "no shipped model at the low-rate point (I-frame <= 4 bits, P-frames >= 32)"
    assert all(info.meta["heads"] == ["mse", "fmd", "jd", "sa"] for info in low)
    iframe_rates = {info.frame_bits[0] for info in zoo.list_models()}
    assert len(iframe_rates) >= 3  # the low-rate point and at least two higher I-frame rates


@pytest.mark.parametrize("name", SHIPPED)
def test_recorded_metrics_are_recomputed_from_the_weights(name):
    model, info = zoo.load_model(name)
    recorded = info.meta["metrics"]["evaluation"]
    assert recorded["data"] == RECORD_SET
    fresh = recorded_metrics(model)
    assert set(fresh["heads"]) == set(recorded["heads"])
    one_sequence = 1 / RECORD_SET["sequences"]
    for head, values in recorded["heads"].items():
        assert fresh["heads"][head]["mse"] == pytest.approx(values["mse"], rel=1e-4), head
        for key in ("identity_source", "identity_first"):
            # A float-rounding difference may flip one borderline classification.
            assert fresh["heads"][head][key] == pytest.approx(values[key], abs=one_sequence)


def test_universality_rows_compare_mean_mse_per_plf():
    universal = {"heads": {"fmd": {"mse": [0.02, 0.04]}, "jd": {"mse": [0.03, 0.03]}}}
    e2e = {"fmd": {"heads": {"fmd": {"mse": [0.01, 0.03]}}}}
    (row,) = universality_rows(universal, e2e)
    assert row["plf"] == "fmd"
    assert row["universal_mse"] == pytest.approx(0.03)
    assert row["end_to_end_mse"] == pytest.approx(0.02)
    assert row["ratio"] == pytest.approx(1.5)


def test_ladder_points_average_frames_2_on_of_every_universal_model():
    class Info:
        def __init__(self, name, bits, mode="universal", first=(1.0, 0.5, 0.25)):
            self.name = name
            self.meta = {"mode": mode, "frame_bits": list(bits), "metrics": {"evaluation": {
                "heads": {"jd": {"identity_first": list(first), "identity_source": [0.1] * 3}}
            }}}  # fmt: skip

    points = ladder_points(
        [Info("b", (16, 64)), Info("a", (4, 64)), Info("e2e", (4, 64), mode="end-to-end"),
         Info("c", (4, 128))]
    )  # fmt: skip
    assert [p["name"] for p in points] == ["a", "b", "c"]
    assert points[0]["iframe_bits"] == 4 and points[0]["pframe_bits"] == 64
    assert points[0]["heads"]["jd"] == pytest.approx(
        {"identity_first": 0.375, "identity_source": 0.1}
    )


def test_the_shipped_ladder_has_a_point_per_shipped_universal_model():
    points = ladder_points(zoo.list_models())
    universal = [i for i in zoo.list_models() if i.meta.get("mode", "universal") == "universal"]
    assert len(points) == len(universal) >= 3
    assert all({"mse", "jd"} <= set(p["heads"]) for p in points)
