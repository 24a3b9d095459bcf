"""``seqrdp evaluate`` on a tiny untrained codec checkpoint and a tiny dataset file."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from seqrdp.cli import main
from seqrdp.codec.model import SequentialCodec
from seqrdp.data.arrays import VideoSet, save_videoset
from seqrdp.train.checkpoint import save_checkpoint

TINY_CODEC = {
    "size": [16, 16],
    "width": 4,
    "iframe_bits": 4,
    "pframe_bits": 8,
    "motion_bits": 4,
    "noise_dims": 2,
    "scale_levels": 2,
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    # 8 noise clips: the two-sample tests compare the reconstructions of clips 1..4 with the
    # sources of clips 5..8 (noise is no generated Moving MNIST, so there is no fresh reference).
    root = tmp_path_factory.mktemp("evaluate")
    torch.manual_seed(0)
    model = SequentialCodec(TINY_CODEC)
    save_checkpoint(root / "run", model.state_dict(), {}, {"steps": 0, "codec": model.config})
    rng = np.random.default_rng(0)
    videos = rng.integers(0, 256, size=(8, 3, 16, 16), dtype=np.uint8)
    labels = rng.integers(0, 10, size=(8, 1))
    save_videoset(root / "data.npy", VideoSet(videos, labels, {"dataset": "noise"}))
    return root / "run", root / "data.npy"


@pytest.fixture(autouse=True)
def quick_two_sample(monkeypatch):
    """Two-sample tests of 2 steps: these tests check the command's plumbing; the test's
    statistics are checked in test_two_sample.py."""
    from seqrdp.evaluate import two_sample

    test = two_sample.two_sample_test
    monkeypatch.setattr(two_sample, "two_sample_test", lambda *a, **k: test(*a, **k, steps=2))


def evaluate(capsys, *args):
    code = main(["evaluate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_one_value_per_frame_for_every_documented_key(files, capsys):
    checkpoint, data = files
    code, out, _ = evaluate(
        capsys, "--checkpoint", checkpoint, "--data", data, "--plf", "mse,jd",
        "--frames", 2, "--critic-steps", 1, "--json",
    )  # fmt: skip
    assert code == 0
    report = json.loads(out)
    assert report["checkpoint"] == str(checkpoint)
    assert report["model"]["frame_bits"] == [4, 8]
    assert report["data"]["sequences"] == 8 and report["data"]["frames"] == 2
    assert report["data"]["size"] == [16, 16]
    assert list(report["heads"]) == ["mse", "jd"]
    for metrics in report["heads"].values():
        assert metrics["bits"] == [4, 8]
        for key in ("mse", "psnr", "identity_source", "identity_first", "frechet", "two_sample"):
            assert len(metrics[key]) == 2, key
        for key in ("two_sample_error", "two_sample_clip", "two_sample_clip_error"):
            assert len(metrics[key]) == 2, key
        assert metrics["two_sample_clip"][0] == metrics["two_sample"][0]
        assert {plf: len(v) for plf, v in metrics["wasserstein"].items()} == {
            "fmd": 2,
            "jd": 2,
            "sa": 2,
        }
    assert len(report["data"]["two_sample"]) == len(report["data"]["two_sample_error"]) == 2
    assert report["settings"]["two_sample"]["sequences"] == 4
    assert report["settings"]["two_sample"]["reference"] == "source clips 5..8 of the data"


def test_sequences_flag_keeps_the_first_sequences_and_matches_the_library(files, capsys):
    from seqrdp.codec.loading import load_codec
    from seqrdp.data.arrays import load_videoset
    from seqrdp.evaluate.classifier import load_classifier
    from seqrdp.evaluate.run import evaluate_codec

    checkpoint, data = files
    args = ("--checkpoint", checkpoint, "--data", data, "--sequences", 4, "--seed", 3)
    code, out, _ = evaluate(
        capsys, *args, "--critic-steps", 0, "--two-sample-sequences", 0, "--plf", "mse", "--json"
    )
    report = json.loads(out)
    videoset = load_videoset(data)
    direct = evaluate_codec(
        load_codec(checkpoint)[0],
        VideoSet(videoset.videos[:4], videoset.labels[:4]),
        heads=["mse"],
        seeds=3,
        critic_steps=0,
        classifier=load_classifier()[0],
    )
    assert code == 0 and report["data"]["sequences"] == 4
    assert report["heads"]["mse"]["mse"] == direct["heads"]["mse"]["mse"]
    assert report["heads"]["mse"]["wasserstein"] == {"fmd": None, "jd": None, "sa": None}
    assert report["settings"]["two_sample"] is None and report["heads"]["mse"]["two_sample"] is None


def test_table_output_lists_every_frame_of_every_head(files, capsys):
    checkpoint, data = files
    code, out, _ = evaluate(capsys, "--checkpoint", checkpoint, "--data", data, "--critic-steps", 0)
    assert code == 0
    for head in ("mse", "fmd", "jd", "sa"):
        assert f"head {head}" in out
    assert "4 clips per side against source clips 5..8 of the data" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2", "3"] * 4
    assert all(row[1] == ("4" if row[0] == "1" else "8") for row in rows)
    # The two-sample columns (frame t, clip 1..t) are numbers; at t = 1 they agree.
    assert all(0 <= float(row[-2]) <= 1 and 0 <= float(row[-1]) <= 1 for row in rows)
    assert all(row[-2] == row[-1] for row in rows if row[0] == "1")


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--plf", "mse,nope"], "unknown PLF 'nope'"),
        (["--plf", "mse,mse"], "twice"),
        (["--sequences", "2"], "--sequences must be at least 4"),
        (["--sequences", "9"], "has only 8"),
        (["--sequences", "5"], "at least 4 clips per side, got 2"),
        (["--two-sample-sequences", "-1"], "--two-sample-sequences must be at least 0"),
        (["--frames", "9"], "frames must be between 1 and 3"),
        (["--critic-steps", "-1"], "--critic-steps must be at least 0"),
    ],
)
def test_bad_flags_are_one_line_usage_errors(files, capsys, extra, needle):
    checkpoint, data = files
    code, out, err = evaluate(capsys, "--checkpoint", checkpoint, "--data", data, *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_missing_checkpoint_or_data_is_exit_2_without_traceback(files, tmp_path):
    checkpoint, data = files
    for args in (
        ["--checkpoint", tmp_path / "none", "--data", data],
        ["--checkpoint", checkpoint, "--data", tmp_path / "none.npy"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "seqrdp", "evaluate", *map(str, args)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr and str(tmp_path / "none") in result.stderr


def test_frames_of_another_size_than_the_model_are_a_usage_error(files, tmp_path, capsys):
    checkpoint, _ = files
    videos = np.zeros((8, 2, 32, 32), dtype=np.uint8)
    save_videoset(tmp_path / "big.npy", VideoSet(videos, None, {}))
    code, _, err = evaluate(capsys, "--checkpoint", checkpoint, "--data", tmp_path / "big.npy")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "32, 32" in err


def test_help_documents_every_json_key(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    text = capsys.readouterr().out
    for key in ("frame_bits", "identity_source", "identity_first", "frechet", "wasserstein"):
        assert key in text
    for key in ("two_sample", "two_sample_error", "two_sample_clip", "two_sample_clip_error"):
        assert f"heads.<plf>.{key} " in text
    assert "data.two_sample" in text and "--two-sample-sequences" in text
