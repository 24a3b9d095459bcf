"""`seqrdp demo`: one command from bits to a readable, self-contained report."""

import json
import re

from seqrdp.cli import main


def test_demo_writes_an_offline_report_whose_numbers_match_evaluate(
    tiny_checkpoint, tmp_path, capsys
):
    out = tmp_path / "demo"
    code = main(["demo", "--model", str(tiny_checkpoint), "--out", str(out),
                 "--sequences", "6", "--critic-steps", "0", "--json"])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    page = (out / "report.html").read_text()
    # Self-contained: every image inline, nothing fetched.
    assert "<img" in page and not re.search(r'src="(?!data:image/png;base64,)', page)
    assert "http://" not in page and "https://" not in page
    for head in ("mse", "fmd", "jd", "sa"):
        assert f"{head} (" in page
    assert len(list((out / "streams").glob("*.srdp"))) == 6
    # The rate ladder of the shipped models: a figure and one table row per model.
    assert "rate ladder" in page and "mmnist-universal-i64-p64" in page
    # The page reports exactly what `seqrdp evaluate` prints for the same model and data.
    assert main(["evaluate", "--checkpoint", str(tiny_checkpoint), "--data",
                 str(out / "test.npy"), "--seed", "2023", "--critic-steps", "0",
                 "--json"]) == 0  # fmt: skip
    evaluated = json.loads(capsys.readouterr().out)
    assert summary["heads"]["jd"] == evaluated["heads"]["jd"]["mse"]
    assert f"{evaluated['heads']['sa']['mse'][1]:.4g}" in page


def test_demo_rejects_too_few_sequences(tiny_checkpoint, tmp_path, capsys):
    assert main(["demo", "--model", str(tiny_checkpoint), "--out", str(tmp_path),
                 "--sequences", "2"]) == 2  # fmt: skip
    assert "--sequences" in capsys.readouterr().err
