"""Data parallelism under ``torchrun``: one process per device, gradients averaged by an
explicit all-reduce.

An explicit all-reduce (rather than ``DistributedDataParallel``) fits a loop in which the
parameters that train change between stages, critics and decoders alternate, and part of the
model is frozen: whatever an optimiser is about to step, its gradients are averaged first.
Every process starts from the same weights (same seed) and applies the same averaged update,
so the replicas stay identical; only rank 0 writes files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import torch
import torch.distributed as dist

from seqrdp.errors import UsageError


class Distributed:
    """This process's place in the run (``WORLD_SIZE`` / ``RANK`` from the environment).

    Parameters
    ----------
    device
        ``"cpu"`` (backend gloo) or ``"cuda"`` (backend nccl, device ``LOCAL_RANK``).
    """

    def __init__(self, device: str) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", str(self.rank)))
        if device == "cuda":
            if not torch.cuda.is_available():
                raise UsageError("--device cuda: no CUDA device is available")
            torch.cuda.set_device(local_rank % torch.cuda.device_count())
            self.device = torch.device("cuda", torch.cuda.current_device())
        else:
            self.device = torch.device("cpu")
        self.started = False
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if device == "cuda" else "gloo")
            self.started = True

    @property
    def writer(self) -> bool:
        """Whether this process writes checkpoints and logs (rank 0)."""
        return self.rank == 0

    def average_gradients(self, parameters: Iterable[torch.nn.Parameter]) -> None:
        """Replace every gradient by its mean over processes (one flat all-reduce)."""
        if self.world == 1:
            return
        grads = [p.grad for p in parameters if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        flat /= self.world
        offset = 0
        for g in grads:
            g.copy_(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def close(self) -> None:
        if self.started:
            dist.destroy_process_group()
            self.started = False
