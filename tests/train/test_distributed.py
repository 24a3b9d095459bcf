"""Two gloo processes train in lockstep: identical parameters, different data."""

import socket

import torch
import torch.multiprocessing as mp
from safetensors.torch import load_file, save_file

from seqrdp.train.data import clip_source


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out: str, config: dict) -> None:
    import os

    os.environ.update(
        {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
         "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank)}
    )  # fmt: skip
    torch.set_num_threads(1)
    from seqrdp.train.loop import train

    model, _ = train(config, f"{out}/run", progress=False)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/rank{rank}.st")


def test_two_processes_end_with_identical_parameters(tiny, tmp_path):
    config = tiny(mse_steps=2, perception_steps=2, checkpoint_every=100)
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), config), nprocs=2, join=True)
    rank0, rank1 = load_file(tmp_path / "rank0.st"), load_file(tmp_path / "rank1.st")
    written = load_file(tmp_path / "run" / "model.safetensors")
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), key
        assert torch.equal(rank0[key], written[key]), key
    # Only rank 0 wrote; the run recorded both processes.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rank0.st", "rank1.st", "run"]


def test_processes_draw_different_clips(tiny):
    source = clip_source(tiny())
    a = source.batch(4, rank=0, step=7)
    assert torch.equal(a, source.batch(4, rank=0, step=7))
    assert not torch.equal(a, source.batch(4, rank=1, step=7))
    assert not torch.equal(a, source.batch(4, rank=0, step=8))
