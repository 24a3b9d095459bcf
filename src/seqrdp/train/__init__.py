"""``seqrdp train``: one training loop for every mode and PLF (:mod:`~seqrdp.train.loop`),
configured by ``default.yaml`` (:mod:`~seqrdp.train.config`), checkpointed as safetensors
(:mod:`~seqrdp.train.checkpoint`; :func:`seqrdp.codec.loading.load_codec` loads a run)."""
