"""The devices torch may run on, as commands and training configurations name them."""

from __future__ import annotations

from seqrdp.errors import UsageError

DEVICES = ("cpu", "cuda")


def check_device(name: str, what: str = "--device") -> str:
    """``name`` if it is one of :data:`DEVICES` and this machine has it, else a UsageError
    naming ``what``. Imports torch only for ``cuda``."""
    if name not in DEVICES:
        raise UsageError(f"{what} {name!r} is not one of {list(DEVICES)}")
    if name == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError(f"{what} cuda: no CUDA device is available")
    return name
