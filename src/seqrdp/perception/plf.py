"""Perception loss functions as data: which frames a critic compares at frame ``t``.

For frame ``t`` (1-based) each PLF compares two distributions (DESIGN.md table;
Salehkalaibar et al., NeurIPS 2023, Sec. 2; ``sa`` from arXiv 2502.10628):

==========  ====================================  ==================================
PLF         real side                             fake side
==========  ====================================  ==================================
``fmd``     ``X_t``                               ``X̂_t``
``jd``      ``X_1 … X_t``                         ``X̂_1 … X̂_t``
``sa``      ``X̂_1 … X̂_{t−1}, X_t``                ``X̂_1 … X̂_t``
==========  ====================================  ==================================

Only ``X̂_t`` carries gradients on the fake side: the past outputs are detached, so the critic of
frame ``t`` trains how frame ``t`` is decoded given the past (the sequential setting of the
theory). With gradients into the past, the ``sa`` decoder raised its critic's score by moving
its past outputs, which sit on *both* sides of the ``sa`` comparison, and drifted to white frames
within 200 steps.

The only difference between PLFs is where the real side's past frames come from
(:data:`PAST`); a critic (:mod:`seqrdp.perception.critics`) sees the frames stacked along
channels.
"""

from __future__ import annotations

import torch

PLFS: tuple[str, ...] = ("fmd", "jd", "sa")

# Source of the real side's frames 1..t−1: None (the critic sees frame t only), the source
# video, or the decoder's own past outputs (detached: they are data for the critic, and the
# decoder is not rewarded for moving its past towards its present).
PAST: dict[str, str | None] = {"fmd": None, "jd": "source", "sa": "outputs"}


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
    past = {"source": source, "outputs": outputs.detach(), None: source}[PAST[plf]]
    real = torch.cat([past[:, first : t - 1], source[:, t - 1 : t]], dim=1)
    # Greedy over time: frame t's critic trains X̂_t given the past outputs, not the past.
    fake = torch.cat([outputs[:, first : t - 1].detach(), outputs[:, t - 1 : t]], dim=1)
    return real.flatten(1, 2), fake.flatten(1, 2)
