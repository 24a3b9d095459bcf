"""The ``seqrdp`` command.

Each area of the package contributes its subcommands through a ``register(subparsers)``
function in its own ``command`` module; handlers import heavy dependencies (torch) lazily so
that ``seqrdp theory`` starts fast. A handler returns an exit code or raises
:class:`~seqrdp.errors.UsageError`, which is printed as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from seqrdp import __version__
from seqrdp.errors import UsageError

# Modules with a ``register(subparsers)`` function, in the order shown by ``seqrdp --help``.
COMMAND_MODULES = (
    "seqrdp.theory.command",
    "seqrdp.data.command",
    "seqrdp.train.command",
    "seqrdp.evaluate.command",
    "seqrdp.codec.command",
    "seqrdp.evaluate.demo",
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports bad flags as one line (no usage dump) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="seqrdp",
        description=(
            "Causal, low-latency video compression under a distortion loss (MSE) and a "
            "perception loss (realism): Gauss-Markov rate-distortion-perception theory and "
            "a learned codec whose perception loss function is chosen at the decoder."
        ),
    )
    parser.add_argument("--version", action="version", version=f"seqrdp {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=ArgumentParser
    )
    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # an area not built yet
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2 if args.command is None else 0
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"seqrdp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("seqrdp: interrupted", file=sys.stderr)
        return 130
