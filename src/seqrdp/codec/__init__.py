"""The learned sequential codec (DESIGN.md, "Practice half").

:class:`seqrdp.codec.model.SequentialCodec` codes a video frame by frame at a fixed rate:
dithered quantisation with shared randomness (:mod:`~seqrdp.codec.quantizer`,
:mod:`~seqrdp.codec.randomness`), an I-frame model (:mod:`~seqrdp.codec.iframe`), scale-space
flow P-frames (:mod:`~seqrdp.codec.pframe`, :mod:`~seqrdp.codec.scale_space`), and one
perception head per PLF (:mod:`~seqrdp.codec.heads`) that decodes the same bits.
"""
