"""The learned sequential codec (docs/codec.md; its place in the package: docs/design.md).

:class:`seqrdp.codec.model.SequentialCodec` codes a video frame by frame at a fixed rate:
dithered quantisation with shared randomness (:mod:`~seqrdp.codec.quantizer`,
:mod:`~seqrdp.codec.randomness`), an I-frame model (:mod:`~seqrdp.codec.iframe`), scale-space
flow P-frames (:mod:`~seqrdp.codec.pframe`, :mod:`~seqrdp.codec.scale_space`), and one
perception head per PLF (:mod:`~seqrdp.codec.heads`) that decodes the same bits.
"""

from seqrdp._lazy import lazy_exports

# Public names, imported from their home modules on first use (this package imports nothing).
_EXPORTS = {
    "SequentialCodec": "seqrdp.codec.model",
    "CodecConfig": "seqrdp.codec.config",
    "ModelMeta": "seqrdp.codec.metadata",
    "ModelInfo": "seqrdp.codec.loading",
    "load_codec": "seqrdp.codec.loading",
    "read_info": "seqrdp.codec.loading",
    "model_hash": "seqrdp.codec.loading",
    "encode_video": "seqrdp.codec.stream",
    "decode_frames": "seqrdp.codec.stream",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
