"""Which model decodes a stream: the one the user names, or a shipped one the stream names;
never a file that the stream names, and never a model whose config differs from the encoder's."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from seqrdp.bitstream import StreamReader
from seqrdp.cli import main
from seqrdp.codec.loading import model_paths
from seqrdp.data.moving_mnist import generate_moving_mnist


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "clip.npy"
    np.save(path, generate_moving_mnist(1, 3, size=32, split="test", seed=4).videos[0])
    return path


def _copy_model(tiny_checkpoint, target, **changes):
    """A copy of the tiny codec's run directory; ``changes`` edit its JSON (``codec`` merges)."""
    shutil.copytree(tiny_checkpoint, target)
    meta_path = model_paths(target)[1]
    meta = json.loads(meta_path.read_text())
    meta["codec"].update(changes.pop("codec", {}))
    meta_path.write_text(json.dumps({**meta, **changes}))
    return target


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def test_a_model_path_named_by_a_stream_is_never_opened(
    clip, tiny_checkpoint, tmp_path, monkeypatch, capsys
):
    # A valid model lies at ../../x of where the user decodes, and the stream names "../../x".
    model = _copy_model(tiny_checkpoint, tmp_path / "x", name="../../x")
    stream = tmp_path / "s.srdp"
    assert main(["encode", str(clip), "-o", str(stream), "--model", str(model)]) == 0
    with open(stream, "rb") as f:
        assert StreamReader(f).header.model == "../../x"
    here = tmp_path / "a" / "b"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    capsys.readouterr()
    assert main(["decode", str(stream), "-o", "out.npy", "--plf", "mse"]) == 2
    err = _one_line_error(capsys)
    assert "'../../x' is not a shipped model" in err and "--model" in err
    assert not (here / "out.npy").exists()
    # Given explicitly, the same path decodes.
    assert main(["decode", str(stream), "-o", "out.npy", "--plf", "mse", "--model", "../../x"]) == 0
    assert np.load(here / "out.npy").shape == (3, 32, 32)


@pytest.mark.parametrize("codec", [{"reference": "fmd"}, {"scale_sigma": 2.0}])
def test_a_model_whose_codec_config_was_changed_refuses_the_stream(
    clip, tiny_checkpoint, tmp_path, capsys, codec
):
    stream = tmp_path / "s.srdp"
    assert main(["encode", str(clip), "-o", str(stream), "--model", str(tiny_checkpoint)]) == 0
    same = tmp_path / "same.npy"
    assert main(["decode", str(stream), "-o", str(same), "--plf", "fmd",
                 "--model", str(tiny_checkpoint)]) == 0  # fmt: skip
    # Same weights file, another config in the JSON: it would decode other pixels.
    tampered = _copy_model(tiny_checkpoint, tmp_path / "tampered", codec=codec)
    out = tmp_path / "out.npy"
    capsys.readouterr()
    assert main(["decode", str(stream), "-o", str(out), "--plf", "fmd",
                 "--model", str(tampered)]) == 2  # fmt: skip
    assert "model hash mismatch" in _one_line_error(capsys)
    assert not out.exists()
