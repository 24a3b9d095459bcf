"""seqrdp: causal video compression under distortion and perception losses.

Two halves answer one question (which perception loss function, and must the encoder commit
to it?): :mod:`seqrdp.theory` computes the Gauss-Markov rate-distortion-perception tradeoff
exactly, and the learned codec (:mod:`seqrdp.codec`) makes it practical. The package map and
the rules of its layers: ``docs/design.md``.

The names a user needs are importable from here; each is imported from its home module on first
use, so ``import seqrdp`` loads neither torch nor SciPy:

- :func:`load_model` (a shipped codec by name, or your own checkpoint), :func:`list_models`,
  :class:`ModelInfo` — :mod:`seqrdp.zoo`;
- :class:`SequentialCodec`, :class:`CodecConfig` — :mod:`seqrdp.codec`;
- :func:`write_stream`, :func:`read_stream`, :class:`StreamReader`, :class:`Header` — the
  ``.srdp`` container, :mod:`seqrdp.bitstream`;
- :func:`rdp_table`, :func:`distortion_per_frame`, :class:`GaussMarkovSource` — the
  calculator, :mod:`seqrdp.theory`;
- :data:`HEADS`, :data:`PLFS`, :data:`MMSE_HEAD` — the head names, :mod:`seqrdp.plfs`;
- :class:`UsageError` — what a user's mistake raises, :mod:`seqrdp.errors`.
"""

from __future__ import annotations

from seqrdp._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "load_model": "seqrdp.zoo",
    "list_models": "seqrdp.zoo",
    "ModelInfo": "seqrdp.zoo",
    "SequentialCodec": "seqrdp.codec.model",
    "CodecConfig": "seqrdp.codec.config",
    "write_stream": "seqrdp.bitstream",
    "read_stream": "seqrdp.bitstream",
    "StreamReader": "seqrdp.bitstream",
    "Header": "seqrdp.bitstream",
    "rdp_table": "seqrdp.theory",
    "distortion_per_frame": "seqrdp.theory",
    "GaussMarkovSource": "seqrdp.theory",
    "HEADS": "seqrdp.plfs",
    "PLFS": "seqrdp.plfs",
    "MMSE_HEAD": "seqrdp.plfs",
    "UsageError": "seqrdp.errors",
}
__all__ = ["__version__", *sorted(_EXPORTS)]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
