"""The perception loss functions (PLFs) and the decoder heads named after them.

This module is the one place that spells the names out; every choice list, help text and
dispatch derives from it, so adding a PLF starts here. It imports nothing, so the CLI and the
torch-free theory import it as cheaply as the codec does.

A decoder *head* turns the same bits into frames: the MMSE head (no perception loss) and one
head per PLF (Salehkalaibar et al., NeurIPS 2023, Sec. 2; ``sa`` from arXiv 2502.10628). For
frame ``t`` each PLF compares two distributions:

==========  ====================================  ==================================
PLF         real side                             fake side
==========  ====================================  ==================================
``fmd``     ``X_t``                               ``X̂_t``
``jd``      ``X_1 … X_t``                         ``X̂_1 … X̂_t``
``sa``      ``X̂_1 … X̂_{t−1}, X_t``                ``X̂_1 … X̂_t``
==========  ====================================  ==================================

They differ only in where the real side's past frames come from (:data:`PAST`).
"""

from __future__ import annotations

MMSE_HEAD = "mse"
"""The head without a perception loss: the MMSE reconstruction (the theory's "no constraint")."""

FMD = "fmd"
"""Framewise marginal distribution: each frame looks real."""
JD = "jd"
"""Joint distribution: the clip so far looks real."""
SA = "sa"
"""Self-adaptive: the current frame looks real given the decoder's own past outputs."""

PLFS: tuple[str, ...] = (FMD, JD, SA)
"""The perception loss functions, one perception head each (without the MMSE head)."""

HEADS: tuple[str, ...] = (MMSE_HEAD, *PLFS)
"""Every head, the MMSE head first: what a decoder (or the theory's calculator) can choose."""

PAST: dict[str, str | None] = {FMD: None, JD: "source", SA: "outputs"}
"""Where the real side's frames ``1..t−1`` come from: nowhere (the critic sees frame ``t``
only), the source video, or the decoder's own past outputs."""

DESCRIPTIONS: dict[str, str] = {
    MMSE_HEAD: "MMSE, no perception loss",
    FMD: "framewise marginal",
    JD: "joint distribution",
    SA: "self-adaptive",
}
"""A few words per head, for help texts, figures and reports."""


def choices_text(names: tuple[str, ...] = HEADS) -> str:
    """``names`` as a comma list (``"mse,fmd,jd,sa"``), as flags that take several spell it."""
    return ",".join(names)
