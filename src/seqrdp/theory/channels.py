"""The calculator's test channels, frame by frame, as conditional Gaussian laws.

The greedy solution (:func:`seqrdp.theory.calculator.greedy_decoders`) with the MMSE
representations makes ``(X_1 … X_T, X̂_1 … X̂_T)`` jointly Gaussian. This module writes every
variable as a row of coefficients over independent standard normals (source innovations
``ξ_j``, encoder noises ``ζ_j``, decoder noises ``ω_j``):

- source: ``X_1 = σ_1 ξ_1``, ``X_{j+1} = ρ_j X_j + √v_j ξ_{j+1}``;
- greedy MMSE encoder: ``X̃_j = X̄_j + g_j (X_j − X̄_j) + √(g_j D_j) ζ_j`` with
  ``X̄_j = ρ_{j−1} X̃_{j−1}``, ``g_j = 1 − 2^{−2R_j}`` and ``D_j`` the MMSE distortion, so that
  ``E[(X_j − X̃_j)²] = D_j`` and ``I(X^j; U_j | U^{j−1}) = R_j``;
- decoder: ``X̂_j = bᵀX̂^{j−1} + γ E_j``, ``E_j`` the unit innovation of ``X̃_j`` with respect to
  ``X̂^{j−1}`` (fresh noise ``ω_j`` where that innovation vanishes), ``(b, γ)`` the
  calculator's decoder.

Because ``X_{j+1} … X_T`` are independent of ``X̂_j`` given ``(X^j, X̂^{j−1})`` and ``X_j`` is
independent of ``X̂^{j−1}`` given ``X^{j−1}``, the laws

    encoder:  X̂_j | X^j, X̂^{j−1}  ~ N(aᵀX^j + dᵀX̂^{j−1}, s_enc²),
    decoder:  X̂_j | X̂^{j−1}       ~ N(bᵀX̂^{j−1}, s_dec² = γ²),

applied frame after frame, rebuild the whole joint law: a coder that samples each frame's
encoder law exactly, with the decoder law known at the receiver, has the calculator's
distortion and perception for every PLF. Its frame costs about
``I_j = I(X^j; X̂_j | X̂^{j−1}) = ½ log2(s_dec² / s_enc²)`` bits per sample
(:mod:`seqrdp.theory.oneshot`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seqrdp.errors import UsageError
from seqrdp.plfs import MMSE_HEAD
from seqrdp.theory.calculator import greedy_decoders
from seqrdp.theory.inputs import check_rates
from seqrdp.theory.mmse import sequential_mmse_distortion
from seqrdp.theory.plf import perception_loss
from seqrdp.theory.source import GaussMarkovSource

# An innovation with variance below this fraction of σ_j² is rounding: the decoder's past
# already holds X̃_j, and E_j is fresh decoder noise (the calculator's r = 0).
_NO_INNOVATION = 1e-12
# Encoder and decoder variances this close (relative) are one law: the frame carries no
# information about the source, and the least-squares weights on X^j are rounding.
_SAME_LAW = 1e-12


@dataclass(frozen=True)
class FrameChannel:
    """Frame ``j``'s test channel: the encoder's and the decoder's law of ``X̂_j``.

    Attributes
    ----------
    frame : int
        ``j`` (1-based).
    source_weights : numpy.ndarray
        ``a`` (length ``j``): weights of ``X_1 … X_j`` in the encoder's mean.
    past_weights : numpy.ndarray
        ``d`` (length ``j − 1``): weights of ``X̂_1 … X̂_{j−1}`` in the encoder's mean.
    encoder_var : float
        ``s_enc² = Var(X̂_j | X^j, X̂^{j−1})``.
    decoder_weights : numpy.ndarray
        ``b`` (length ``j − 1``): the decoder's mean ``bᵀX̂^{j−1}``.
    decoder_var : float
        ``s_dec² = Var(X̂_j | X̂^{j−1}) = γ²``.
    information_bits : float
        ``I_j = ½ log2(s_dec² / s_enc²)``, bits per sample (0 where ``s_dec = 0``).
    distortion : float
        The calculator's ``D_j`` (MSE per sample).
    perception : float | None
        The calculator's ``P_j`` (squared W2) for the PLF; ``None`` for mse.
    """

    frame: int
    source_weights: np.ndarray
    past_weights: np.ndarray
    encoder_var: float
    decoder_weights: np.ndarray
    decoder_var: float
    information_bits: float
    distortion: float
    perception: float | None

    def encoder_mean(self, sources: np.ndarray, past: np.ndarray) -> np.ndarray:
        """The encoder's mean ``aᵀX^j + dᵀX̂^{j−1}`` (last axis: frames)."""
        return sources @ self.source_weights + past @ self.past_weights

    def decoder_mean(self, past: np.ndarray) -> np.ndarray:
        """The decoder's mean ``bᵀX̂^{j−1}`` (last axis: frames)."""
        return past @ self.decoder_weights


@dataclass(frozen=True)
class ChannelSolution:
    """Every frame's test channel for one PLF, and the joint law they build.

    Attributes
    ----------
    frames : list of FrameChannel or None
        One per frame; ``None`` from the first frame whose budget cannot be met (jd only).
    joint_cov : numpy.ndarray
        ``Cov(X_1 … X_T, X̂_1 … X̂_F)`` (``(T + F)²``), ``F`` the feasible frames.
    """

    frames: list[FrameChannel | None]
    joint_cov: np.ndarray


def _mmse_encoder_rows(source: GaussMarkovSource, rates: np.ndarray) -> tuple[list, list]:
    """Rows of ``X_j`` and ``X̃_j`` over ``(ξ_1 … ξ_T, ζ_1 … ζ_T)`` (module docstring)."""
    frames = source.frames
    width = 2 * frames
    distortion = sequential_mmse_distortion(source, rates)
    x_rows, estimate_rows = [], []
    for j in range(frames):
        x = np.zeros(width)
        if j == 0:
            x[0] = math.sqrt(source.sigma2_1)
            prior = np.zeros(width)
        else:
            x = source.rho[j - 1] * x_rows[-1]
            x[j] = math.sqrt(source.innovation_var[j - 1])
            prior = source.rho[j - 1] * estimate_rows[-1]
        gain = -math.expm1(-2.0 * math.log(2.0) * float(rates[j]))  # 1 − 2^{−2R_j}
        estimate = prior + gain * (x - prior)
        estimate[frames + j] = math.sqrt(gain * distortion[j])
        x_rows.append(x)
        estimate_rows.append(estimate)
    return x_rows, estimate_rows


def _least_squares(target: np.ndarray, predictors: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights ``w`` of ``target ≈ wᵀ predictors`` (rows) and the residual variance."""
    if len(predictors) == 0:
        return np.zeros(0), float(target @ target)
    weights = np.linalg.lstsq(predictors.T, target, rcond=None)[0]
    residual = target - weights @ predictors
    return weights, float(residual @ residual)


def frame_channels(
    source: GaussMarkovSource,
    rates: float | Sequence[float],
    perception: float | Sequence[float],
    plf: str,
) -> ChannelSolution:
    """The test channel of every frame of the greedy optimum for ``plf``.

    Parameters
    ----------
    source : GaussMarkovSource
        The source (``T`` frames).
    rates : sequence of float
        ``R_1 … R_T``, bits/sample.
    perception : float or sequence of float
        Budgets ``P_1 … P_T`` (squared W2).
    plf : str
        Perception loss function, one of :data:`seqrdp.plfs.HEADS` (the MMSE head: none;
        both modes share these channels: see :mod:`seqrdp.theory.calculator`).

    Returns
    -------
    ChannelSolution
    """
    rates = check_rates(rates, source.frames)
    solved = greedy_decoders(source, rates, perception, plf)
    frames = source.frames
    x_rows, estimate_rows = _mmse_encoder_rows(source, rates)
    width = 3 * frames  # ξ, ζ, ω
    pad = np.zeros(frames)
    x_rows = [np.concatenate([row, pad]) for row in x_rows]
    estimate_rows = [np.concatenate([row, pad]) for row in estimate_rows]
    out_rows: list[np.ndarray] = []
    channels: list[FrameChannel | None] = []
    for j, (step, decoder) in enumerate(solved):
        if decoder is None:
            channels.extend([None] * (frames - j))
            break
        past = np.array(out_rows).reshape(j, width)
        b, gamma = decoder
        innovation = estimate_rows[j] - step.regression() @ past
        if innovation @ innovation <= _NO_INNOVATION * step.sigma2:
            unit = np.zeros(width)
            unit[2 * frames + j] = 1.0
        else:
            unit = innovation / math.sqrt(innovation @ innovation)
        row = b @ past + gamma * unit
        predictors = np.vstack([np.array(x_rows[: j + 1]), past])
        weights, encoder_var = _least_squares(row, predictors)
        decoder_var = float(gamma) ** 2
        if decoder_var - encoder_var <= _SAME_LAW * decoder_var:
            weights = np.concatenate([np.zeros(j + 1), b])
            encoder_var = decoder_var
        if encoder_var <= 0.0 < decoder_var:
            raise UsageError(
                f"frame {j + 1}: the {plf} test channel is deterministic given the source "
                "(infinite information); no one-shot code exists"
            )
        information = 0.0 if decoder_var == 0.0 else 0.5 * math.log2(decoder_var / encoder_var)
        loss = None if plf == MMSE_HEAD else perception_loss(plf, step, decoder)
        channels.append(
            FrameChannel(
                frame=j + 1,
                source_weights=weights[: j + 1],
                past_weights=weights[j + 1 :],
                encoder_var=encoder_var,
                decoder_weights=np.asarray(b, dtype=float),
                decoder_var=decoder_var,
                information_bits=information,
                distortion=step.distortion(decoder),
                perception=loss,
            )
        )
        out_rows.append(row)
    rows = np.array(x_rows + out_rows)
    return ChannelSolution(channels, rows @ rows.T)
