"""Loading a codec: safetensors + JSON only, strict about what it loads, and the identity a
stream checks covers the weights and the codec config, not the file's bytes."""

import ast
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import seqrdp
from seqrdp.codec.config import CodecConfig
from seqrdp.codec.loading import load_codec, model_hash, read_info
from seqrdp.codec.model import SequentialCodec
from seqrdp.errors import UsageError


@pytest.fixture
def pair(tiny_checkpoint, tmp_path):
    """The tiny codec as a ``.safetensors`` + ``.json`` pair that a test may edit."""
    weights = tmp_path / "tiny.safetensors"
    shutil.copyfile(tiny_checkpoint / "model.safetensors", weights)
    shutil.copyfile(tiny_checkpoint / "model.json", tmp_path / "tiny.json")
    return weights


def _edit_meta(weights, **codec):
    meta_path = weights.with_suffix(".json")
    meta = json.loads(meta_path.read_text())
    meta["codec"].update(codec)
    meta_path.write_text(json.dumps(meta))


def test_load_codec_never_unpickles(tiny_checkpoint, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("torch.load must not be used")

    monkeypatch.setattr(torch, "load", refuse)
    model, meta = load_codec(tiny_checkpoint)
    assert isinstance(model, SequentialCodec) and not model.training
    assert meta["mode"] == "universal"


def test_loaded_codec_decodes_like_the_codec_that_was_saved(tiny_checkpoint):
    loaded, meta = load_codec(tiny_checkpoint)
    torch.manual_seed(0)  # save_tiny_codec's seed: the same weights, built in memory
    saved = SequentialCodec.from_config(meta["codec"]).eval()
    video = torch.rand(2, 3, 1, 32, 32)
    symbols = saved.compress(video, [0, 1])
    for a, b in zip(symbols, loaded.compress(video, [0, 1]), strict=True):
        np.testing.assert_array_equal(a, b)
    assert torch.equal(
        loaded.decompress(symbols, [0, 1], "sa"), saved.decompress(symbols, [0, 1], "sa")
    )
    torch.manual_seed(1)
    other = SequentialCodec.from_config(meta["codec"]).eval()
    assert not torch.equal(
        other.decompress(symbols, [0, 1], "sa"), saved.decompress(symbols, [0, 1], "sa")
    )


def test_directory_and_file_pair_load_the_same_weights(tiny_checkpoint, pair):
    a, meta_a = load_codec(tiny_checkpoint)
    b, meta_b = load_codec(pair)
    assert meta_a == meta_b
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb)


def test_a_run_directory_loads_the_checkpoint_its_latest_file_names(tiny_checkpoint, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_checkpoint, run)
    (run / "model.safetensors").write_bytes(b"stale top-level file")  # not read
    _, meta = load_codec(run)
    assert meta["steps"] == 0 and (run / "latest").read_text().strip() == "ckpt-0"
    (run / "latest").write_text("../elsewhere\n")
    with pytest.raises(UsageError, match="does not name a checkpoint directory"):
        load_codec(run)


def test_missing_or_broken_files_are_usage_errors(pair, tmp_path):
    lonely = tmp_path / "lonely.safetensors"
    shutil.copyfile(pair, lonely)
    with pytest.raises(UsageError, match=r"lonely\.json"):
        load_codec(lonely)
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a safetensors file")
    shutil.copyfile(pair.with_suffix(".json"), tmp_path / "broken.json")
    with pytest.raises(UsageError, match=r"broken\.safetensors"):
        load_codec(broken)
    with pytest.raises(UsageError, match="neither"):
        load_codec(tmp_path / "model.pt")
    for top in ([], None, "codec"):
        pair.with_suffix(".json").write_text(json.dumps(top))
        with pytest.raises(UsageError, match="not seqrdp codec metadata"):
            load_codec(pair)


def test_weights_from_another_checkpoint_are_detected(pair):
    meta = json.loads(pair.with_suffix(".json").read_text())
    pair.with_suffix(".json").write_text(json.dumps({**meta, "steps": 99}))
    with pytest.raises(UsageError, match="different checkpoints"):
        load_codec(pair)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"width": 16}, "does not fit its config"), ({"levels": "4"}, "invalid codec config")],
)
def test_a_config_that_does_not_build_these_weights_is_refused(pair, change, message):
    _edit_meta(pair, **change)
    with pytest.raises(UsageError, match=message):
        load_codec(pair)


def _independent_hash(weights, codec):
    """model_hash's documented serialisation, from the raw safetensors bytes with NumPy."""
    raw = weights.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + length])
    header.pop("__metadata__", None)
    data = raw[8 + length :]

    def canonical(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()

    digest = hashlib.sha256(b"seqrdp-model-1\n" + canonical(codec) + b"\n")
    numpy_dtype = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}
    for name in sorted(header):
        entry = header[name]
        start, stop = entry["data_offsets"]
        dtype = np.dtype(numpy_dtype[entry["dtype"]])
        digest.update(canonical([name, dtype.name, entry["shape"], stop - start]) + b"\n")
        digest.update(data[start:stop])
    return digest.digest()


def test_identity_is_the_documented_digest_of_weights_and_config(pair):
    info = read_info(pair)
    codec = CodecConfig.from_dict(info.meta["codec"]).to_dict()
    assert codec["history"] == ["jd", "sa"]  # the normalised config, defaults filled in
    assert info.weights_hash == _independent_hash(pair, codec)
    model = info.load()
    assert info.weights_hash == model_hash(model.state_dict(), model.codec_config)


def test_identity_ignores_the_file_layout_but_covers_every_tensor_and_config_field(pair, tmp_path):
    info = read_info(pair)
    tensors = dict(reversed(list(load_codec(pair)[0].state_dict().items())))
    resaved = tmp_path / "resaved.safetensors"
    save_file(tensors, resaved, metadata={"note": "another header", "steps": "0"})
    shutil.copyfile(pair.with_suffix(".json"), resaved.with_suffix(".json"))
    assert resaved.read_bytes() != pair.read_bytes()
    assert read_info(resaved).weights_hash == info.weights_hash

    config = CodecConfig.from_dict(info.meta["codec"])
    name = sorted(tensors)[17]
    nudged = {**tensors, name: tensors[name].clone()}
    nudged[name].view(-1)[0] = torch.nextafter(nudged[name].view(-1)[0], torch.tensor(1.0))
    variants = [model_hash(nudged, config)]
    for change in ({"reference": "fmd"}, {"scale_sigma": 2.0}, {"history": ["jd"]}):
        variants.append(model_hash(tensors, CodecConfig.from_dict({**config.to_dict(), **change})))
    assert len({info.weights_hash, *variants}) == 1 + len(variants)


def test_inference_and_evaluation_never_import_training(tiny_checkpoint):
    # Every module of seqrdp.codec and seqrdp.evaluate, and the zoo, in a fresh interpreter
    # that then loads a codec and reads its identity.
    code = (
        "import importlib, pkgutil, sys\n"
        "import seqrdp.codec, seqrdp.evaluate, seqrdp.zoo\n"
        "for package in (seqrdp.codec, seqrdp.evaluate):\n"
        "    for module in pkgutil.iter_modules(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(module.name)\n"
        f"model, info = seqrdp.zoo.load_model({str(tiny_checkpoint)!r})\n"
        "assert len(info.weights_hash) == 32\n"
        "print(len([m for m in sys.modules if m.startswith('seqrdp.')]),\n"
        "      sorted(m for m in sys.modules if m.startswith('seqrdp.train')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    imported, training = result.stdout.split(maxsplit=1)
    assert int(imported) >= 20 and training.strip() == "[]"


def test_no_inference_module_imports_training_even_inside_a_function():
    root = Path(seqrdp.__file__).parent
    sources = [*(root / "codec").rglob("*.py"), *(root / "evaluate").rglob("*.py"), root / "zoo.py"]
    # evaluate/bound.py trains vector codecs to measure them against the calculator: the one
    # named exception (tests/test_layers.py, docs/design.md).
    sources = [s for s in sources if s != root / "evaluate" / "bound.py"]
    offending = []
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n == "seqrdp.train" or n.startswith("seqrdp.train.") for n in names):
                offending.append(f"{source.relative_to(root)}:{node.lineno}")
    assert len(sources) >= 20 and offending == []
