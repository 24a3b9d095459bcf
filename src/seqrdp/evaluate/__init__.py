"""Evaluating a trained codec: metrics, the digit classifier, evaluation runs, the demo report."""

from seqrdp._lazy import lazy_exports

# Public names, imported from their home modules on first use (this package imports nothing).
_EXPORTS = {
    "evaluate_codec": "seqrdp.evaluate.run",
    "load_classifier": "seqrdp.evaluate.classifier",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
