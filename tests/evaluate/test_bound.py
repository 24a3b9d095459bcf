"""The bound comparison: Gaussian-fit perception, rate points, and a tiny version of the grid
that ``benchmarks/bench_bound.py`` runs."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from seqrdp.errors import UsageError
from seqrdp.evaluate.bound import (
    fitted_w2_squared,
    perception_per_sample,
    rate_point,
    two_worker_minutes,
)
from seqrdp.theory import GaussMarkovSource, sequential_mmse_distortion

BENCH = Path(__file__).parents[2] / "benchmarks" / "bench_bound.py"


def _gauss_markov(n, d, rng, rho=0.9):
    x1 = rng.standard_normal((n, d))
    x2 = rho * x1 + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return np.stack([x1, x2], axis=1).astype(np.float32)


def test_fitted_w2_of_a_scaled_shifted_gaussian_is_the_closed_form():
    # W2²(N(0, 1), N(m, s²)) = m² + (1 − s)² in one dimension.
    real = np.random.default_rng(0).standard_normal((200_000, 1))
    fake = 0.5 * real + 0.3
    assert fitted_w2_squared(real, fake) == pytest.approx(0.09 + 0.25, abs=1e-3)


def test_frames_decoded_independently_are_real_for_fmd_but_not_for_jd():
    # Outputs: fresh source clips whose frame 2 is drawn independently of frame 1. Each frame's
    # marginal is right (fmd ≈ 0); jd at frame 2 compares Cov [[1, .9], [.9, 1]] with I:
    # eigenvalues 1.9 and 0.1, commuting with I, so W2² = (√1.9 − 1)² + (√0.1 − 1)² = 0.5959.
    rng = np.random.default_rng(1)
    source = _gauss_markov(40_000, 4, rng)
    outputs = np.stack([rng.standard_normal((40_000, 4))] * 2, axis=1).astype(np.float32)
    outputs[:, 1] = rng.standard_normal((40_000, 4))
    fmd, _ = perception_per_sample("fmd", source, outputs, 2)
    jd, jd_whole = perception_per_sample("jd", source, outputs, 2)
    expected = (math.sqrt(1.9) - 1) ** 2 + (math.sqrt(0.1) - 1) ** 2
    assert fmd < 2e-3
    assert jd == pytest.approx(expected, abs=0.01)
    assert jd_whole == pytest.approx(expected, abs=0.01)  # coordinates independent: the same


def test_sa_compares_past_outputs_with_the_present_frame():
    # Outputs copy the source exactly: every PLF's two laws coincide.
    source = _gauss_markov(20_000, 4, np.random.default_rng(2))
    for plf in ("fmd", "jd", "sa"):
        assert perception_per_sample(plf, source, source.copy(), 2)[0] < 1e-9


def test_the_smallest_rate_is_one_latent_dimension_per_frame():
    point = rate_point((None, 1, 1), dims=64, levels=2)
    assert point.rates == (1 / 64, 1.0, 1.0) and (point.iframe_bits, point.pframe_bits) == (1, 64)
    assert rate_point((None, 0.5, 0.5), dims=64, levels=4).rates[0] == 1 / 32
    with pytest.raises(UsageError, match="not a multiple"):
        rate_point((0.01, 1, 1), dims=64, levels=2)
    with pytest.raises(UsageError, match="differ"):
        rate_point((1, 1, 0.5), dims=64, levels=2)


def test_two_worker_estimate_schedules_longest_first_phase_by_phase():
    # Phase 1: 30 | 20 + 10 → 30 s; phase 2: 50 | 40 + 30 → 70 s; in all 100 s.
    assert two_worker_minutes([10, 20, 30], [30, 40, 50]) * 60 == pytest.approx(100)


def test_tiny_grid_reports_every_plf_mode_and_frame_against_the_calculator(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_bound", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figure = tmp_path / "bound.png"
    assert bench.main(["--tiny", "--json", "--workers", "1", "--figure", str(figure)]) == 0
    rows = json.loads(capsys.readouterr().out)
    # 3 rate points × (mse + 3 universal heads + 3 end-to-end codecs) × 3 frames.
    assert len(rows) == 3 * 7 * 3
    assert {(r["plf"], r["mode"]) for r in rows} == {
        ("mse", "universal"),
        *((p, m) for p in ("fmd", "jd", "sa") for m in ("universal", "end-to-end")),
    }
    source = GaussMarkovSource([0.9, 0.9])
    for row in rows:
        assert {"plf", "mode", "rates", "rho", "frame", "learned_distortion",
                "learned_perception", "calculator_distortion"} <= row.keys()  # fmt: skip
        if row["plf"] == "mse":  # infinite perception: the MMSE sequential coder
            assert row["learned_perception"] is None
            expected = sequential_mmse_distortion(source, row["rates"])[row["frame"] - 1]
            assert row["calculator_distortion"] == pytest.approx(expected, rel=1e-9)
        else:
            assert row["learned_perception"] >= 0
    assert rows[0]["rates"] == [1 / 8, 1.0, 1.0]  # tiny: d = 8, one bit on frame 1
    assert figure.stat().st_size > 10_000
