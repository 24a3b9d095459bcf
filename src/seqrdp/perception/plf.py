"""Perception loss functions as data: which frames a critic compares at frame ``t``.

The table of what each PLF compares is in :mod:`seqrdp.plfs`; the only difference between PLFs
is where the real side's past frames come from (:data:`~seqrdp.plfs.PAST`). A critic
(:mod:`seqrdp.perception.critics`) sees the frames stacked along channels.

Only ``X̂_t`` carries gradients on the fake side: the past outputs are detached, so the critic of
frame ``t`` trains how frame ``t`` is decoded given the past (the sequential setting of the
theory; docs/training.md, "What was tried", says what gradients into the past did).
"""

from __future__ import annotations

import torch

from seqrdp.plfs import PAST, PLFS

__all__ = ["PAST", "PLFS", "critic_frames", "critic_inputs"]


def _check(plf: str, t: int) -> None:
    if plf not in PAST:
        raise ValueError(f"unknown PLF {plf!r}; choose from {list(PLFS)}")
    if t < 1:
        raise ValueError(f"frame index t is 1-based, got {t}")


def critic_frames(plf: str, t: int) -> int:
    """Number of frames the critic of ``plf`` sees at frame ``t`` (1-based): 1 for ``fmd``,
    ``t`` for ``jd`` and ``sa``."""
    _check(plf, t)
    return 1 if PAST[plf] is None else t


def critic_inputs(
    plf: str, source: torch.Tensor, outputs: torch.Tensor, t: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The critic's (real, fake) inputs for ``plf`` at frame ``t``.

    Parameters
    ----------
    plf
        One of :data:`PLFS`.
    source
        Original frames ``X``, (N, T, C, H, W) with ``T ≥ t``.
    outputs
        Decoder outputs ``X̂``, (N, T, C, H, W) with ``T ≥ t``; gradients flow through the
        fake side.
    t
        Frame index, 1-based.

    Returns
    -------
    (real, fake)
        Each (N, critic_frames(plf, t)·C, H, W), frames in time order along channels.
    """
    _check(plf, t)
    if source.shape[1] < t or outputs.shape[1] < t:
        raise ValueError(
            f"frame {t} requested from clips of {min(source.shape[1], outputs.shape[1])}"
        )
    first = t - critic_frames(plf, t)
    # Past outputs are data for the critic: the decoder is not rewarded for moving its past.
    past = {"source": source, "outputs": outputs.detach(), None: source}[PAST[plf]]
    real = torch.cat([past[:, first : t - 1], source[:, t - 1 : t]], dim=1)
    # Greedy over time: frame t's critic trains X̂_t given the past outputs, not the past.
    fake = torch.cat([outputs[:, first : t - 1].detach(), outputs[:, t - 1 : t]], dim=1)
    return real.flatten(1, 2), fake.flatten(1, 2)
