"""Checkpoints: safetensors + JSON only, atomic, loadable from a directory or a file pair."""

import json

import pytest
import torch

from seqrdp.codec.model import SequentialCodec
from seqrdp.errors import UsageError
from seqrdp.train import checkpoint
from seqrdp.train.checkpoint import load_codec
from seqrdp.train.loop import train


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny):
    out = tmp_path_factory.mktemp("ckpt") / "run"
    train(tiny(mse_steps=1, perception_steps=1), out)
    return out


def test_files_are_safetensors_and_json_never_pickle(run_dir):
    for name in ("model.safetensors", "state.safetensors"):
        raw = (run_dir / name).read_bytes()
        header_length = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + header_length])  # safetensors: u64 length + JSON header
        assert header["__metadata__"]["steps"] == "2"
        assert not raw.startswith(b"\x80")  # a pickle stream starts with the PROTO opcode
    assert json.loads((run_dir / "model.json").read_text())["steps"] == 2


def test_load_codec_never_unpickles(run_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("torch.load must not be used")

    monkeypatch.setattr(torch, "load", refuse)
    model, meta = load_codec(run_dir)
    assert isinstance(model, SequentialCodec) and not model.training
    assert meta["mode"] == "universal"


def test_directory_and_file_pair_load_the_same_weights(run_dir, tmp_path):
    pair = tmp_path / "zoo_model.safetensors"
    pair.write_bytes((run_dir / "model.safetensors").read_bytes())
    (tmp_path / "zoo_model.json").write_text((run_dir / "model.json").read_text())
    a, meta_a = load_codec(run_dir)
    b, meta_b = load_codec(pair)
    assert meta_a == meta_b
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb)


def test_loaded_codec_decodes_like_the_trained_one(run_dir):
    model, meta = load_codec(run_dir)
    video = torch.rand(2, 3, 1, 16, 16)
    symbols = model.compress(video, [0, 1])
    again, _ = load_codec(run_dir)
    assert torch.equal(
        again.decompress(symbols, [0, 1], "sa"), model.decompress(symbols, [0, 1], "sa")
    )
    assert [s.shape[1] * 2 for s in symbols] == meta["rate_bits"]


def test_missing_or_broken_files_are_usage_errors(run_dir, tmp_path):
    lonely = tmp_path / "lonely.safetensors"
    lonely.write_bytes((run_dir / "model.safetensors").read_bytes())
    with pytest.raises(UsageError, match=r"lonely\.json"):
        load_codec(lonely)
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a safetensors file")
    (tmp_path / "broken.json").write_text((run_dir / "model.json").read_text())
    with pytest.raises(UsageError, match=r"broken\.safetensors"):
        load_codec(broken)
    with pytest.raises(UsageError, match="neither"):
        load_codec(tmp_path / "model.pt")


def test_weights_from_another_checkpoint_are_detected(run_dir, tmp_path):
    meta = json.loads((run_dir / "model.json").read_text())
    (tmp_path / "m.safetensors").write_bytes((run_dir / "model.safetensors").read_bytes())
    (tmp_path / "m.json").write_text(json.dumps({**meta, "steps": 99}))
    with pytest.raises(UsageError, match="different checkpoints"):
        load_codec(tmp_path / "m.safetensors")


def test_optimizer_state_round_trips_through_flat_tensors():
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2)
    adam = torch.optim.Adam(layer.parameters(), lr=0.1, betas=(0.5, 0.9))
    for _ in range(3):
        adam.zero_grad()
        layer(torch.randn(4, 3)).square().sum().backward()
        adam.step()
    tensors = checkpoint.optimizer_tensors("decoder_adam", adam)
    fresh = torch.optim.Adam(layer.parameters(), lr=0.1, betas=(0.5, 0.9))
    checkpoint.load_optimizer(fresh, "decoder_adam", tensors)
    for index, state in adam.state_dict()["state"].items():
        for name, value in state.items():
            assert torch.equal(torch.as_tensor(fresh.state_dict()["state"][index][name]),
                               torch.as_tensor(value))  # fmt: skip


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "x.json"
    checkpoint.save_json(target, {"a": 1})

    class Boom(Exception):
        pass

    def fail(_tmp):
        raise Boom

    with pytest.raises(Boom):
        checkpoint._atomic(target, fail)
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
