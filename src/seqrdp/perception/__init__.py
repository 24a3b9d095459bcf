"""Perception loss functions as data (:mod:`~seqrdp.perception.plf`) and the WGAN-GP critics
that estimate them (:mod:`~seqrdp.perception.critics`)."""

from seqrdp._lazy import lazy_exports

# Public names, imported from their home modules on first use (this package imports nothing).
_EXPORTS = {
    "critic_inputs": "seqrdp.perception.plf",
    "critic_frames": "seqrdp.perception.plf",
    "Critic": "seqrdp.perception.critics",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
