"""``seqrdp theory``: the gm JSON contract, the table, errors, figures."""

import csv
import functools
import json
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import seqrdp.theory.plot as plot
from seqrdp.cli import main
from seqrdp.errors import UsageError
from seqrdp.theory.command import parse_floats

from .test_solver import AGREEMENT


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_gm_json_follows_the_contract(capsys):
    code, out, _ = run(
        capsys, "theory", "gm", "--rates", "0.5,2", "--rho", "0.8", "--plf", "jd,fmd",
        "--mode", "universal", "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"source", "rates", "perception", "results"}
    assert result["source"] == {"rho": [0.8], "sigma2": [1.0, 1.0]}
    assert result["rates"] == [0.5, 2.0]
    assert result["perception"] == [0.0, 0.0]  # the default, one value for every frame
    assert [(r["plf"], r["mode"]) for r in result["results"]] == [
        ("jd", "universal"),
        ("fmd", "universal"),
    ]
    assert all(set(r) == {"plf", "mode", "distortion"} for r in result["results"])
    # frame 1 at P = 0: D(R, 0) = 2(1 − √(1 − 2^{−1})) for both PLFs
    for row in result["results"]:
        assert row["distortion"][0] == pytest.approx(2 * (1 - math.sqrt(0.5)))


def test_gm_json_writes_infinite_budgets_and_infeasible_frames_as_null(capsys):
    code, out, _ = run(
        capsys, "theory", "gm", "--rates", "1,1", "--perception", "inf,0", "--plf", "jd,mse",
        "--mode", "optimal", "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)  # strict JSON: no Infinity or NaN tokens
    assert "Infinity" not in out and "NaN" not in out
    assert result["perception"] == [None, 0.0]
    jd, mse = result["results"]
    assert jd["distortion"][0] == pytest.approx(0.25) and jd["distortion"][1] is None
    assert mse["distortion"] == pytest.approx([0.25, (0.81 * 0.25 + 0.19) / 4])


def test_gm_defaults_give_all_plfs_and_both_modes_and_the_stationary_source(capsys):
    code, out, _ = run(capsys, "theory", "gm", "--rates", "1,1,1", "--json")
    result = json.loads(out)
    assert code == 0
    assert result["source"]["rho"] == [0.9, 0.9]
    assert len(result["results"]) == 8
    assert {r["plf"] for r in result["results"]} == {"mse", "fmd", "jd", "sa"}


def test_sigma1_is_a_variance_and_innovations_set_later_variances(capsys):
    _, out, _ = run(
        capsys, "theory", "gm", "--rates", "0,0", "--rho", "0.5", "--sigma1", "4",
        "--innovation-var", "1", "--plf", "mse", "--mode", "optimal", "--json",
    )  # fmt: skip
    result = json.loads(out)
    assert result["source"]["sigma2"] == [4.0, 2.0]  # 0.25·4 + 1
    assert result["results"][0]["distortion"] == [4.0, 2.0]  # rate 0: D = σ²


def test_gm_table_is_readable(capsys):
    code, out, _ = run(capsys, "theory", "gm", "--rates", "0.05,1,1")
    assert code == 0
    assert "frame 3" in out and "bits/sample" in out and "MSE per sample" in out
    assert sum(line.startswith(("mse", "fmd", "jd", "sa")) for line in out.splitlines()) == 8


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--rates", "1,1", "--rho", "1.0"], "--rho"),
        (["--rates", "1,-1"], "--rates"),
        (["--rates", "1,x"], "--rates"),
        (["--rates", "1,nan"], "--rates"),
        (["--rates", "1,inf"], "--rates"),
        (["--rates", "1,1,1", "--rho", "0.9,0.8,0.7"], "--rho"),
        (["--rates", "1,1", "--innovation-var", "-1"], "--innovation-var"),
        (["--rates", "1,1", "--perception", "0,0,0"], "--perception"),
        (["--rates", "1,1", "--perception", "-0.1"], "--perception"),
        (["--rates", "1,1", "--sigma1", "0"], "--sigma1"),
        (["--rates", "1,1", "--plf", "fmd,lpips"], "--plf"),
        (["--rates", "1,1", "--mode", "best"], "--mode"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag_with_exit_2(capsys, argv, flag):
    code, out, err = run(capsys, "theory", "gm", *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert flag in err


def test_bad_input_never_shows_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "seqrdp", "theory", "gm", "--rates", "1,1", "--rho", "2"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_documents_the_variance_and_the_null_encoding(capsys):
    with pytest.raises(SystemExit):
        main(["theory", "gm", "--help"])
    out = capsys.readouterr().out
    assert "VARIANCE" in out
    assert "null" in out


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=6))
def test_parse_floats_reads_back_what_repr_writes(values):
    assert parse_floats(",".join(map(repr, values)), "--rates") == values


@given(st.text(alphabet="0123456789.,-+eE xinfa", max_size=12))
def test_parse_floats_returns_finite_numbers_or_raises_usage_error(text):
    try:
        values = parse_floats(text, "--rates")
    except UsageError as exc:
        assert "--rates" in str(exc)
    else:
        assert values and all(math.isfinite(v) for v in values)


def test_parse_floats_takes_inf_only_where_allowed():
    assert parse_floats("0, inf", "--perception", allow_inf=True) == [0.0, math.inf]
    with pytest.raises(UsageError, match="--perception"):
        parse_floats("-inf", "--perception", allow_inf=True)


@pytest.fixture
def quick_figures(monkeypatch):
    """The figure set with a two-frame universality study, so the solver runs in ~1 s."""
    figures = tuple(
        plot.Figure(
            f.name,
            functools.partial(f.draw, rates=(0.05, 1.0), budgets=((0.0, 0.0),))
            if f.name == "universality_gap"
            else f.draw,
        )
        for f in plot.FIGURES
    )
    monkeypatch.setattr(plot, "FIGURES", figures)


def test_plot_writes_png_and_csv_for_every_figure(capsys, tmp_path, quick_figures):
    code, out, _ = run(capsys, "theory", "plot", "--out", str(tmp_path / "figs"), "--json")
    assert code == 0
    listing = json.loads(out)
    names = {p.rsplit("/", 1)[-1] for p in listing["files"]}
    assert names == {
        f"{stem}.{ext}"
        for stem in ("error_permanence", "distortion_vs_rate", "universality_gap")
        for ext in ("png", "csv")
    }
    for path in listing["files"]:
        with open(path, "rb") as handle:
            head = handle.read(8)
        assert head.startswith(b"\x89PNG") if path.endswith(".png") else head
    with open(tmp_path / "figs" / "error_permanence.csv") as handle:
        rows = list(csv.DictReader(handle))
    first = rows[0]  # R_1 = 0: jd stays far above fmd at R_2 = 3 bits
    assert float(first["rate_1_bits"]) == 0.0
    assert float(first["distortion_2_jd"]) > 50 * float(first["distortion_2_fmd"])
    with open(tmp_path / "figs" / "universality_gap.csv") as handle:
        gaps = [abs(float(row["gap"])) for row in csv.DictReader(handle)]
    # Two solver runs, each within the solver's tolerance of the optimum on either side.
    assert len(gaps) == 8 and max(gaps) < AGREEMENT


def test_bare_theory_prints_the_default_table_and_writes_figures(capsys, tmp_path, quick_figures):
    code, out, _ = run(capsys, "theory", "--out", str(tmp_path / "demo"))
    assert code == 0
    assert "0.05, 1, 1" in out and "frame 3" in out
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == sorted(
        f"{s}.{e}"
        for s in ("error_permanence", "distortion_vs_rate", "universality_gap")
        for e in ("png", "csv")
    )


@pytest.mark.slow
def test_full_default_run_from_the_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "seqrdp", "theory", "--out", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.png"))) == 3
