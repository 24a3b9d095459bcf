"""``seqrdp train``: one training loop for every mode and PLF (:mod:`~seqrdp.train.loop`),
configured by ``default.yaml`` (:mod:`~seqrdp.train.config`), checkpointed as safetensors
(:mod:`~seqrdp.train.checkpoint`; :func:`seqrdp.codec.loading.load_codec` loads a run)."""

from seqrdp._lazy import lazy_exports

# Public names, imported from their home modules on first use (this package imports nothing).
_EXPORTS = {
    "train": "seqrdp.train.loop",
    "build_config": "seqrdp.train.config",
    "default_config": "seqrdp.train.config",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
