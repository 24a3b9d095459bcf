"""Perception loss functions as data (:mod:`~seqrdp.perception.plf`) and the WGAN-GP critics
that estimate them (:mod:`~seqrdp.perception.critics`)."""
