"""Checkpoints: safetensors + JSON only, one atomic commit each (a kill anywhere in a save
loses nothing), and byte-identical files from identical runs."""

import json
import shutil
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from seqrdp.codec.loading import load_codec, read_info
from seqrdp.train import checkpoint
from seqrdp.train.loop import train

# Three steps: checkpoints at 1 (end of the MSE stage), 2 (--checkpoint-every, inside the
# perception stage: Adam moments of decoder and critics) and 3 (the end).
KILL_CONFIG = {"mse_steps": 1, "perception_steps": 2, "checkpoint_every": 2}
RUN_FILES = {"latest", "ckpt-3", "model.safetensors", "model.json", "log.csv", "samples.png"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny):
    """``(run directory, the trained model as training left it in memory)``."""
    out = tmp_path_factory.mktemp("ckpt") / "run"
    model, _ = train(tiny(mse_steps=1, perception_steps=1), out)
    return out, model


@pytest.fixture(scope="module")
def run_dir(trained):
    return trained[0]


def test_the_loaded_checkpoint_codes_and_decodes_exactly_like_the_trained_model(trained):
    out, model = trained
    loaded, meta = load_codec(out)
    model.eval()
    video = torch.rand(2, 3, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    seeds = [0, 1]
    symbols = model.compress(video, seeds)
    assert all(
        np.array_equal(a, b) for a, b in zip(symbols, loaded.compress(video, seeds), strict=True)
    )
    assert model.head_names == loaded.head_names == ("mse", "fmd", "jd", "sa")
    for head in model.head_names:
        assert torch.equal(
            loaded.decompress(symbols, seeds, head), model.decompress(symbols, seeds, head)
        ), head
    assert [s.shape[1] * 2 for s in symbols] == meta["rate_bits"]  # 2 bits a symbol at L = 4


def _header(path):
    raw = path.read_bytes()
    length = int.from_bytes(raw[:8], "little")  # safetensors: u64 length + JSON header
    return raw, json.loads(raw[8 : 8 + length])


def test_files_are_safetensors_and_json_never_pickle(run_dir):
    for name in ("model.safetensors", "state.safetensors"):
        raw, header = _header(run_dir / "ckpt-2" / name)
        assert header["__metadata__"]["steps"] == "2"
        assert not raw.startswith(b"\x80")  # a pickle stream starts with the PROTO opcode
    assert json.loads((run_dir / "ckpt-2" / "model.json").read_text())["steps"] == 2


def test_run_directory_keeps_one_checkpoint_and_a_top_level_codec_copy(run_dir):
    assert (run_dir / "latest").read_text() == "ckpt-2\n"
    assert not (run_dir / "ckpt-1").exists() and not (run_dir / "state.safetensors").exists()
    for name in ("model.safetensors", "model.json"):
        top, inner = run_dir / name, run_dir / "ckpt-2" / name
        assert top.read_bytes() == inner.read_bytes() and not top.samefile(inner)
    assert read_info(run_dir / "model.safetensors").weights_hash == read_info(run_dir).weights_hash


def test_safetensors_headers_are_canonical_and_load_back(tmp_path):
    tensors = {"b": torch.arange(3.0), "a": torch.ones(2, 2, dtype=torch.float64)}
    metadata = {"steps": "1", "format": "1", "stage": "mse", "a": "x"}
    path = tmp_path / "x.safetensors"
    path.write_bytes(checkpoint.safetensors_bytes(tensors, metadata))
    raw, header = _header(path)
    assert list(header) == sorted(header)
    assert list(header["__metadata__"]) == sorted(metadata)
    assert (8 + int.from_bytes(raw[:8], "little")) % 8 == 0
    loaded, read_metadata = checkpoint.read_tensors(path)
    assert read_metadata == metadata
    assert all(torch.equal(loaded[k], v) for k, v in tensors.items())


def test_identical_runs_write_identical_files_and_identity(tiny, tmp_path):
    config = tiny(mse_steps=1, perception_steps=1, checkpoint_every=1)
    for name in ("a", "b"):
        train(config, tmp_path / name)
    for name in ("model.safetensors", "state.safetensors"):
        a, b = (tmp_path / run / "ckpt-2" / name for run in "ab")
        assert a.read_bytes() == b.read_bytes(), name
    assert read_info(tmp_path / "a").weights_hash == read_info(tmp_path / "b").weights_hash


def _tensors(run_dir):
    found = checkpoint.current(run_dir)
    return {**load_file(found / "model.safetensors"), **load_file(found / "state.safetensors")}


def _disk_states_during_the_last_save(config, out):
    """Train ``config`` in ``out`` and copy the run directory at every distinct state it
    passes through while the last checkpoint is saved.

    A kill leaves the disk as it was at that instant, so restarting from each copy is
    restarting after a kill at each point of the save. States are sampled before every line
    that runs in checkpoint.py and in shutil (a half-deleted directory), so each file write,
    rename, copy and deletion is one point, and so is a file created but not yet written.
    """
    final_steps = config["mse_steps"] + config["perception_steps"]
    states, seen = [], []
    stage_dir = out.parent / f"{out.name}-states"
    traced = (checkpoint.__file__, shutil.__file__)

    def fingerprint():
        return sorted(
            (str(p.relative_to(out)), p.is_dir(), p.stat().st_size, p.stat().st_ino)
            for p in out.rglob("*")
        )

    def snapshot(frame, event, arg):
        if event == "line":
            state = fingerprint()
            if not seen or state != seen[-1]:
                seen.append(state)
                states.append(stage_dir / f"{len(states):03d}")
                shutil.copytree(out, states[-1])
        return snapshot

    def trace(frame, event, arg):
        return snapshot if frame.f_code.co_filename in traced else None

    real_save = checkpoint.save_checkpoint

    def save(out_dir, *args, **kwargs):
        if args[2]["steps"] != final_steps:
            return real_save(out_dir, *args, **kwargs)
        previous = sys.gettrace()
        sys.settrace(trace)
        try:
            return real_save(out_dir, *args, **kwargs)
        finally:
            sys.settrace(previous)
            snapshot(None, "line", None)  # the state after the save

    checkpoint.save_checkpoint = save
    try:
        train(config, out)
    finally:
        checkpoint.save_checkpoint = real_save
    return states


def test_a_kill_anywhere_in_a_checkpoint_write_resumes_to_the_same_weights(tiny, tmp_path):
    config = tiny(**KILL_CONFIG)
    states = _disk_states_during_the_last_save(config, tmp_path / "whole")
    whole = _tensors(tmp_path / "whole")
    assert set(p.name for p in (tmp_path / "whole").iterdir()) == RUN_FILES
    resumed_from = []
    for state in states:
        # At every instant, the run directory holds a complete checkpoint, loaded as such.
        _, meta = load_codec(state)
        resumed_from.append(meta["steps"])
        _, final = train(config, state)
        assert final["steps"] == 3 and final["complete"], state.name
        resumed = _tensors(state)
        assert whole.keys() == resumed.keys()
        for key in whole:
            assert torch.equal(whole[key], resumed[key]), (state.name, key)
        assert set(p.name for p in state.iterdir()) == RUN_FILES, state.name  # no stray files
        assert load_codec(state / "model.safetensors")[1]["steps"] == 3
    # Kills before the commit resume from step 2, kills after it find step 3 done.
    assert len(states) >= 12
    assert resumed_from == sorted(resumed_from) and resumed_from[0] == 2 and resumed_from[-1] == 3
    assert resumed_from.count(2) >= 6


def test_a_run_saved_in_the_old_layout_resumes_and_is_converted(tiny, tmp_path):
    config = tiny(**KILL_CONFIG)
    train(config, tmp_path / "whole")
    old = tmp_path / "old"
    train(config, old, stop_after=2)
    # Before checkpoint directories: the three files at the top level, no `latest`.
    (old / "latest").unlink()
    for name in ("model.safetensors", "model.json"):
        (old / name).unlink()
    for path in (old / "ckpt-2").iterdir():
        path.rename(old / path.name)
    (old / "ckpt-2").rmdir()
    (old / ".model.safetensors.4242.tmp").write_bytes(b"left by a killed save")
    assert load_codec(old)[1]["steps"] == 2
    _, meta = train(config, old)
    assert meta["steps"] == 3
    whole, resumed = _tensors(tmp_path / "whole"), _tensors(old)
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)
    assert set(p.name for p in old.iterdir()) == RUN_FILES


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
