"""Perception loss functions as data: which frames a critic compares at frame ``t``.

The table of what each PLF compares is in :mod:`seqrdp.plfs`; the only difference between PLFs
is where the real side's past frames come from (:data:`~seqrdp.plfs.PAST`). A critic
(:mod:`seqrdp.perception.critics`) sees the frames stacked along channels.

Only ``X̂_t`` carries gradients on the fake side: the past outputs are detached, so the critic of
frame ``t`` trains how frame ``t`` is decoded given the past (the sequential setting of the
theory; docs/training.md, "What was tried", says what gradients into the past did).

``aligned`` (the ``critic_align`` training option) gives a ``jd`` or ``sa`` critic one more view
of the same frames: each past frame moved at whole pixels so that its centre of mass lands on
frame ``t``'s (:func:`~seqrdp.moves.move_to_centre`, on both sides alike). Whether frame
``t`` shows the object of the past then becomes a comparison of pixels at one place, which a
convolutional critic sees at once, instead of one across the distance the object moved. The
view is a function of the frames the PLF compares, so the critic still compares their joint
distributions.
"""

from __future__ import annotations

import torch

from seqrdp.moves import move_to_centre
from seqrdp.plfs import PAST, PLFS

__all__ = ["PAST", "PLFS", "critic_frames", "critic_inputs", "with_aligned_past"]


def _check(plf: str, t: int) -> None:
    if plf not in PAST:
        raise ValueError(f"unknown PLF {plf!r}; choose from {list(PLFS)}")
    if t < 1:
        raise ValueError(f"frame index t is 1-based, got {t}")


def critic_frames(plf: str, t: int, aligned: bool = False) -> int:
    """Number of frames the critic of ``plf`` sees at frame ``t`` (1-based): 1 for ``fmd``,
    ``t`` for ``jd`` and ``sa`` (``2t − 1`` when ``aligned``: the past frames twice)."""
    _check(plf, t)
    if PAST[plf] is None:
        return 1
    return 2 * t - 1 if aligned else t


def critic_inputs(
    plf: str, source: torch.Tensor, outputs: torch.Tensor, t: int, aligned: bool = False
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
    aligned
        Append the past frames moved onto frame ``t`` (:func:`with_aligned_past`).

    Returns
    -------
    (real, fake)
        Each (N, critic_frames(plf, t, aligned)·C, H, W), frames in time order along
        channels (then, when ``aligned``, the moved past frames in time order).
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
    if aligned:
        real, fake = with_aligned_past(real), with_aligned_past(fake)
    return real.flatten(1, 2), fake.flatten(1, 2)


def with_aligned_past(stack: torch.Tensor) -> torch.Tensor:
    """(N, k, C, H, W) → (N, 2k − 1, C, H, W): the stack, then each of its first ``k − 1``
    frames translated at whole pixels so that its centre of mass lands on the last frame's.
    The moved frames carry no gradient (nor does where they go); the last frame keeps its."""
    current = stack[:, -1]
    moved = [move_to_centre(stack[:, j].detach(), current) for j in range(stack.shape[1] - 1)]
    return torch.cat([stack, torch.stack(moved, dim=1)], dim=1) if moved else stack
