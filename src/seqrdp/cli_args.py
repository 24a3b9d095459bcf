"""Flags that several ``seqrdp`` commands share, defined once.

Part of the command line, like :mod:`seqrdp.cli` and the ``command`` modules: library modules
never import it (``tests/test_layers.py`` checks).
"""

from __future__ import annotations

import argparse

from seqrdp.devices import DEVICES


def add_json(parser: argparse.ArgumentParser, what: str = "one JSON object") -> None:
    """``--json``: print ``what`` on stdout (for machines) instead of the text for people."""
    parser.add_argument("--json", action="store_true", help=f"print {what} on stdout")


def add_device(parser: argparse.ArgumentParser, what: str) -> None:
    """``--device``: one of :data:`~seqrdp.devices.DEVICES`, default ``cpu``."""
    parser.add_argument(
        "--device", choices=DEVICES, default=DEVICES[0], help=f"{what} (default {DEVICES[0]})"
    )
