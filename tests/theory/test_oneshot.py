"""One-shot codes frame by frame: bit-exact decoding from bytes, corrupt streams refused,
the calculator's distortion and perception measured, bits within Li–El Gamal's bound, and
the ``seqrdp theory oneshot`` command."""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.cli import main
from seqrdp.errors import UsageError
from seqrdp.theory import GaussMarkovSource
from seqrdp.theory.channels import frame_channels
from seqrdp.theory.oneshot import OneShotCode, bound_bits, sample_sources, simulate

SOURCE = GaussMarkovSource([0.9, 0.9])


def small_code(plf="sa", block=2, seed=7):
    channels = frame_channels(SOURCE, [0.5, 1.0, 0.25], 0.0, plf)
    return OneShotCode(channels, block, seed)


def test_the_decoder_rebuilds_the_encoder_s_reconstructions_from_bytes_alone():
    code, ids = small_code(), np.arange(40)
    x = sample_sources(SOURCE, ids, 2, 7)
    coded = code.encode(x, ids)
    again = small_code().encode(x, ids)
    assert coded.streams == again.streams  # the seed fixes every bit
    assert np.array_equal(small_code().decode(coded.streams, ids), coded.reconstructions)
    assert [len(s) for s in coded.streams] == [-(-int(b.sum()) // 8) for b in coded.bits]


def test_a_sequence_decodes_alone():
    code, ids = small_code(), np.arange(12)
    coded = code.encode(sample_sources(SOURCE, ids, 2, 7), ids)
    alone = code.decode(coded.streams[5:6], ids[5:6])
    assert np.array_equal(alone[0], coded.reconstructions[5])


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda s: s[:-1] if len(s) > 1 else b"",  # truncated
        lambda s: s + b"\x00",  # a trailing byte
        lambda s: s[:-1] + bytes([s[-1] | 1]),  # a set padding bit (or a wrong last bit)
        lambda s: b"\x00" * 8,  # a run of zeros: an index beyond the limit
    ],
)
def test_a_corrupt_stream_is_refused(corrupt):
    code, ids = small_code(block=1), np.arange(30)
    coded = code.encode(sample_sources(SOURCE, ids, 1, 7), ids)
    refused = 0
    for i, stream in enumerate(coded.streams):
        try:
            code.decode([corrupt(stream)], ids[i : i + 1])
        except UsageError:
            refused += 1
    assert refused >= 25  # a flipped last bit may still read as a valid (different) code


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=12))
def test_any_bytes_decode_or_fail_with_a_usage_error(data):
    code = small_code(block=1)
    try:
        out = code.decode([data], np.arange(1))
    except UsageError:
        return
    assert out.shape == (1, 3, 1) and np.all(np.isfinite(out))


@pytest.mark.parametrize("plf", ["mse", "fmd", "jd", "sa"])
def test_measured_distortion_and_perception_match_the_calculator(plf):
    # 99.9% sampling intervals: a miss is a wrong joint law, not bad luck.
    from seqrdp.theory import oneshot

    result = simulate(SOURCE, [0.5, 1.0, 0.25], [0.0, 0.05, 0.1], plf, 2, 600, 11)
    solution = frame_channels(SOURCE, [0.5, 1.0, 0.25], [0.0, 0.05, 0.1], plf)
    d_int, p_int = oneshot.sampling_intervals(solution.joint_cov, 1200, plf, 3, 3, 11, 0.999)
    for j in range(3):
        lo, hi = d_int[j]
        assert lo <= result["distortion"][j] <= hi
        assert lo <= result["calculator_distortion"][j] <= hi
        if plf == "mse":
            assert result["perception"][j] is None and p_int[j] is None
        else:
            lo, hi = p_int[j]
            assert lo <= result["perception"][j] <= hi
    assert result["decoded_exactly"]


def test_bits_stay_within_the_bound_and_fall_towards_the_information_per_sample():
    per_sample = []
    for block in (1, 8):
        result = simulate(SOURCE, [0.25, 0.25, 0.25], 0.0, "fmd", block, 300, 2)
        for mean, bound, info in zip(
            result["bits_mean"], result["bound_bits"], result["information_bits"], strict=True
        ):
            assert mean <= bound
            assert bound == pytest.approx(bound_bits(info))
            assert info == pytest.approx(0.25 * block)
        per_sample.append(np.mean(result["bits_mean"]) / block)
    assert per_sample[1] < 0.6 * per_sample[0]
    assert per_sample[1] > 0.25  # the information is a floor


def test_too_much_information_per_block_is_refused():
    with pytest.raises(UsageError, match="--block"):
        simulate(SOURCE, [2.0, 2.0, 2.0], 0.0, "mse", 16, 10, 0)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_oneshot_json_follows_the_contract(capsys):
    code, out, _ = run(
        capsys, "theory", "oneshot", "--rates", "0.5,1", "--rho", "0.8", "--plf", "mse,jd",
        "--mode", "universal", "--block", "2", "--sequences", "40", "--seed", "3", "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert result["block"] == 2 and result["sequences"] == 40 and result["seed"] == 3
    rows = result["results"]
    assert [(r["plf"], r["mode"]) for r in rows] == [("mse", "universal"), ("jd", "universal")]
    lists = (
        "bits_mean", "bits_p95", "bound_bits", "information_bits", "distortion", "perception",
        "calculator_distortion", "calculator_perception",
    )  # fmt: skip
    for row in rows:
        assert all(len(row[key]) == 2 for key in lists)
        assert row["information_bits"] == pytest.approx([1.0, 2.0])
        assert row["decoded_exactly"] is True
    assert rows[0]["perception"] == [None, None]
    assert rows[1]["calculator_perception"] == pytest.approx([0.0, 0.0], abs=1e-9)


def test_oneshot_table_names_every_frame(capsys):
    code, out, _ = run(
        capsys, "theory", "oneshot", "--rates", "1,1", "--perception", "0.1,0", "--plf", "jd",
        "--mode", "optimal", "--sequences", "20",
    )  # fmt: skip
    assert code == 0
    assert "jd (optimal)" in out and "infeasible" in out  # jd's P_2 = 0 after P_1 > 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--block", "0"], "--block"),
        (["--sequences", "1"], "--sequences"),
        (["--seed", "-1"], "--seed"),
        (["--rates", "3,3", "--block", "16"], "--block"),
        (["--plf", "xyz"], "--plf"),
    ],
)
def test_oneshot_bad_input_is_one_line_and_exit_2(capsys, flags, message):
    argv = ["theory", "oneshot", "--rates", "0.5,0.5", "--sequences", "10", *flags]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_one_shot_codes_never_import_torch():
    code = (
        "import sys; from seqrdp.theory.oneshot import simulate; "
        "from seqrdp.theory import GaussMarkovSource; "
        "simulate(GaussMarkovSource([0.9]), [0.5, 0.5], 0.0, 'sa', 2, 8, 0); "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
