"""Lazy re-exports for the package ``__init__`` modules (PEP 562 module ``__getattr__``).

``import seqrdp`` and ``import seqrdp.codec`` must stay cheap (``seqrdp theory`` starts without
torch), yet a user should find the public names where they look first: ``seqrdp.load_model``,
``seqrdp.codec.SequentialCodec``. A name is imported from its home module on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps each public name to the
    module that defines it."""

    def __getattr__(name: str) -> Any:
        home = exports.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        vars(importlib.import_module(package))[name] = value  # later lookups skip this
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *exports})

    return __getattr__, __dir__
