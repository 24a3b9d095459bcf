"""The ``seqrdp`` command.

Each area of the package contributes its subcommands through a ``register(subparsers)``
function in its own ``command`` module; handlers import heavy dependencies (torch) lazily so
that ``seqrdp theory`` starts fast. A handler returns an exit code or raises
:class:`~seqrdp.errors.UsageError`, which is printed as one line with exit code 2. So are the
two failures that come from the machine rather than from the code: an :class:`OSError` (the
file system refused a read or a write) and a :class:`MemoryError`; handlers refuse what they
can foresee before starting, and these catch the rest. Warnings are printed as one line each.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
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
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    return f"seqrdp: warning: {message}\n"


def _describe(exc: OSError) -> str:
    """``strerror: filename`` (``[Errno 13] Permission denied: 'x'`` without the noise)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}: {exc.filename}" if exc.filename else reason


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2 if args.command is None else 0
    formatwarning, warnings.formatwarning = warnings.formatwarning, _one_line_warning
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        message = str(exc)
    except OSError as exc:
        message = _describe(exc)
    except MemoryError as exc:
        message = f"out of memory{f': {exc}' if str(exc) else ''}"
    except KeyboardInterrupt:
        print("seqrdp: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = formatwarning
    print(f"seqrdp {args.command}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2
