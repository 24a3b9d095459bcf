"""seqrdp: causal video compression under distortion and perception losses.

Two halves answer one question (which perception loss function, and must the encoder commit
to it?): :mod:`seqrdp.theory` computes the Gauss-Markov rate-distortion-perception tradeoff
exactly, and the learned codec (:mod:`seqrdp.codec`) makes it practical.
"""

__version__ = "0.1.0"
