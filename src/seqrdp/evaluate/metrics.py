"""Per-frame quality metrics of a sequential codec: distortion, identity, realism.

Every function scores frame ``t`` of a batch of sequences, so a caller gets one curve over
``t = 1..T`` per metric, the unit in which the paper states its findings (error permanence of
``jd``, recovery of ``fmd``). Shapes: videos are (N, T, C, H, W) floats in [0, 1]; digits are
int (N, T); features are (N, D).

- Distortion: per-pixel MSE and PSNR (:func:`frame_mse`, :func:`psnr`).
- Identity: does frame ``t`` show the source digit / the digit of frame 1
  (:func:`identity_source`, :func:`identity_first`).
- Realism: Fréchet distance between Gaussian fits of classifier features
  (:func:`frechet_distance`) and a Wasserstein-1 estimate from a freshly trained WGAN-GP critic
  (:func:`wasserstein_estimate`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg

if TYPE_CHECKING:
    import torch

# PSNR of a perfect frame would be infinite; flooring MSE at 1e-10 caps it at 100 dB so that
# averages over sequences stay finite.
MSE_FLOOR = 1e-10


def frame_mse(source: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    r"""Mean squared error per pixel of every frame of every sequence.

    .. math:: \mathrm{MSE}_{n,t} = \frac{1}{CHW} \sum_{c,h,w}
              (x_{n,t,c,h,w} - \hat x_{n,t,c,h,w})^2

    Parameters
    ----------
    source, reconstruction
        Tensors (N, T, C, H, W), pixel values in [0, 1].

    Returns
    -------
    torch.Tensor
        (N, T) per-pixel MSE in units of (full range)²; the paper's per-frame distortion
        ``D_t`` is its mean over sequences ``n``.
    """
    if source.shape != reconstruction.shape:
        raise ValueError(f"shapes differ: {tuple(source.shape)} vs {tuple(reconstruction.shape)}")
    return (source.float() - reconstruction.float()).square().flatten(2).mean(dim=2)


def spread(source: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    r"""How much the reconstructions of different sequences differ, relative to the sources.

    .. math:: S_t = \frac{\sum_{i \ne j} \lVert \hat x_{i,t} - \hat x_{j,t} \rVert^2}
                         {\sum_{i \ne j} \lVert x_{i,t} - x_{j,t} \rVert^2}
              = \frac{\sum_{\text{pixels}} \operatorname{Var}_n \hat x_{n,t}}
                     {\sum_{\text{pixels}} \operatorname{Var}_n x_{n,t}}

    1 when frames ``t`` vary across sequences as much as the source's, 0 when every sequence
    gets the same frame ``t`` (a generator that has collapsed onto one output). An MMSE
    reconstruction lies below 1 (it averages over what the bits leave open); a realistic one
    near 1. It needs no classifier, so training logs it on its validation clips.

    Parameters
    ----------
    source, reconstruction
        Tensors (N, T, C, H, W) with N ≥ 2.

    Returns
    -------
    torch.Tensor
        (T,) the ratio per frame; 0 where the source frames do not vary.
    """
    if source.shape != reconstruction.shape:
        raise ValueError(f"shapes differ: {tuple(source.shape)} vs {tuple(reconstruction.shape)}")
    if source.shape[0] < 2:
        raise ValueError("spread needs at least two sequences")
    import torch

    variance = [x.float().var(dim=0).flatten(1).sum(dim=1) for x in (reconstruction, source)]
    return torch.where(variance[1] > 0, variance[0] / variance[1].clamp_min(1e-30), 0.0)


def label_entropy(digits: torch.Tensor) -> torch.Tensor:
    r"""Entropy, in bits, of the digit labels a classifier reads on frame ``t`` across sequences.

    .. math:: H_t = -\sum_k p_{t,k} \log_2 p_{t,k}, \quad
              p_{t,k} = \frac{1}{N} \sum_n 1[\hat y_{n,t} = k]

    About ``log2 10 ≈ 3.32`` for Moving MNIST's source frames; 0 when every sequence shows the
    same digit, as from a generator collapsed onto one glyph (whose :func:`spread` can still be
    near 1, since where it draws the glyph varies).

    Parameters
    ----------
    digits
        (N, T) integer labels.

    Returns
    -------
    torch.Tensor
        (T,) entropies in bits.
    """
    import torch

    labels = digits.long()
    size = int(labels.max()) + 1 if labels.numel() else 1
    counts = torch.stack([torch.bincount(d, minlength=size).float() for d in labels.T])
    p = counts / counts.sum(dim=1, keepdim=True)
    return 0.0 - (p * torch.where(p > 0, p.log2(), 0.0)).sum(dim=1)  # 0.0 − x: no −0.0


def psnr(mse: torch.Tensor, peak: float = 1.0) -> torch.Tensor:
    r"""Peak signal-to-noise ratio in dB, elementwise.

    .. math:: \mathrm{PSNR} = 10 \log_{10} \frac{\mathrm{peak}^2}{\max(\mathrm{MSE}, 10^{-10})}

    Applied to :func:`frame_mse` it gives one PSNR per sequence and frame; the per-frame PSNR
    reported by ``seqrdp evaluate`` is the mean of these over sequences (mean of PSNRs, not
    PSNR of the mean MSE, so it is at least the latter by Jensen's inequality).
    """
    return 10.0 * (peak**2 / mse.clamp_min(MSE_FLOOR)).log10()


def identity_source(digits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    r"""Fraction of sequences whose frame ``t`` is classified as the source digit.

    .. math:: \frac{1}{N} \sum_n \mathbf 1[\hat y_{n,t} = y_n]

    Parameters
    ----------
    digits
        Int (N, T): the classifier's digit for each reconstructed frame.
    labels
        Int (N,): the digit each source sequence shows.

    Returns
    -------
    torch.Tensor
        Float (T,) in [0, 1].
    """
    return (digits == labels.reshape(-1, 1)).float().mean(dim=0)


def identity_first(digits: torch.Tensor) -> torch.Tensor:
    r"""Fraction of sequences whose frame ``t`` is classified as the same digit as frame 1.

    .. math:: \frac{1}{N} \sum_n \mathbf 1[\hat y_{n,t} = \hat y_{n,1}]

    High values with low :func:`identity_source` mean that an early mistake is carried forward
    (the error permanence of the ``jd`` PLF); the value at ``t = 1`` is 1 by definition.

    Parameters
    ----------
    digits
        Int (N, T): the classifier's digit for each reconstructed frame.

    Returns
    -------
    torch.Tensor
        Float (T,) in [0, 1].
    """
    return (digits == digits[:, :1]).float().mean(dim=0)


def gaussian_frechet_distance(
    mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray
) -> float:
    r"""Fréchet (2-Wasserstein squared) distance between two Gaussians.

    .. math:: d^2 = \lVert \mu_a - \mu_b \rVert^2
              + \operatorname{Tr}\big(\Sigma_a + \Sigma_b - 2 (\Sigma_a \Sigma_b)^{1/2}\big)

    (Dowson & Landau 1982; the FID of Heusel et al. 2017). The matrix square root is
    :func:`scipy.linalg.sqrtm`; round-off can give it tiny imaginary parts, which are dropped,
    and a singular product is regularised by adding ``1e-6 I`` to both covariances. The result
    is floored at 0 (a true distance is never negative; round-off can make it ``-1e-15``).

    Parameters
    ----------
    mean_a, mean_b
        Means, shape (D,).
    cov_a, cov_b
        Covariances, shape (D, D), symmetric positive semi-definite.

    Returns
    -------
    float
        The squared distance, in squared feature units.
    """
    mean_a, mean_b = np.atleast_1d(mean_a).astype(float), np.atleast_1d(mean_b).astype(float)
    cov_a, cov_b = np.atleast_2d(cov_a).astype(float), np.atleast_2d(cov_b).astype(float)
    cross = _sqrtm(cov_a @ cov_b)
    if not np.isfinite(cross).all():
        offset = 1e-6 * np.eye(len(cov_a))
        cross = _sqrtm((cov_a + offset) @ (cov_b + offset))
    cross = np.real(cross)
    difference = mean_a - mean_b
    distance = difference @ difference + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(cross)
    return max(float(distance), 0.0)


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    # A product of covariances of collapsed features is singular; sqrtm then warns although
    # its root is still usable (and a non-finite root is regularised by the caller).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return scipy.linalg.sqrtm(matrix)


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussian fits of two feature samples.

    Fits mean and unbiased covariance (``N - 1`` denominator) to each sample and applies
    :func:`gaussian_frechet_distance`. The plug-in estimate is biased upwards for small samples
    (two samples from one distribution score above 0), so compare values computed on equal
    sample sizes.

    Parameters
    ----------
    features_a, features_b
        Arrays (N, D) and (M, D) with N, M ≥ 2 (e.g. classifier features of source frames
        ``t`` and of reconstructed frames ``t``).
    """
    features_a = np.asarray(features_a, dtype=float)
    features_b = np.asarray(features_b, dtype=float)
    if min(len(features_a), len(features_b)) < 2:
        raise ValueError("a Gaussian fit needs at least 2 samples on each side")
    return gaussian_frechet_distance(
        features_a.mean(axis=0),
        np.cov(features_a, rowvar=False),
        features_b.mean(axis=0),
        np.cov(features_b, rowvar=False),
    )


def wasserstein_estimate(
    critic: torch.nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    steps: int = 100,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    penalty_weight: float = 10.0,
    seed: int = 0,
) -> float:
    r"""Held-out Wasserstein-1 estimate between two samples from a freshly trained critic.

    The Kantorovich–Rubinstein dual :math:`W_1(P, Q) = \sup_{\lVert f \rVert_L \le 1}
    E_P f - E_Q f` is estimated as in WGAN-GP (Gulrajani et al., NeurIPS 2017): the critic
    ``f`` is trained for ``steps`` Adam steps on one half of the pairs to minimise
    :math:`E f(\text{fake}) - E f(\text{real}) + \lambda\, E(\lVert \nabla f \rVert - 1)^2`,
    and the estimate is :math:`\overline{f(\text{real})} - \overline{f(\text{fake})}` on the
    other half, which the critic never saw (so the number is not inflated by overfitting: it
    is ≈ 0, possibly slightly negative, for equal distributions). It is not a certified
    bound: a finite optimisation under-shoots, and the penalty only softly enforces
    ``‖∇f‖ ≤ 1`` — for far-apart distributions the optimum trades gradient norm ≈ 1 + W/(2λ)
    against the gain, so the estimate over-shoots (an untrained codec's outputs, W1 between
    30.9 and 32.2, scored 83 after 200 steps). Compare codecs at equal ``steps`` and sample
    size, not with distances from elsewhere.

    Parameters
    ----------
    critic
        A fresh, untrained critic mapping (B, ...) to (B,), e.g.
        :class:`seqrdp.perception.critics.Critic`; it is trained in place.
    real, fake
        Tensors (N, ...) with N ≥ 4: row ``n`` of each comes from sequence ``n`` (e.g. from
        :func:`seqrdp.perception.plf.critic_inputs`).
    steps, batch_size, learning_rate, penalty_weight
        Critic optimisation: Adam with betas (0.5, 0.9), penalty weight λ.
    seed
        Fixes the half split, the minibatches and the penalty's interpolation points (the
        global torch RNG is restored afterwards).

    Returns
    -------
    float
        The held-out estimate, in the units of the critic's input (pixels in [0, 1]).
    """
    import torch

    from seqrdp.perception.critics import gradient_penalty

    if real.shape != fake.shape or len(real) < 4:
        raise ValueError("real and fake need the same shape and at least 4 rows")
    with torch.random.fork_rng(devices=[real.device] if real.device.type == "cuda" else []):
        torch.manual_seed(seed)
        order = torch.randperm(len(real))
        train, held_out = order[: len(real) // 2], order[len(real) // 2 :]
        optimizer = torch.optim.Adam(critic.parameters(), lr=learning_rate, betas=(0.5, 0.9))
        critic.train()
        for _ in range(steps):
            batch = train[torch.randint(len(train), (min(batch_size, len(train)),))]
            real_batch, fake_batch = real[batch], fake[batch]
            loss = critic(fake_batch).mean() - critic(real_batch).mean()
            loss = loss + penalty_weight * gradient_penalty(critic, real_batch, fake_batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        critic.eval()
        with torch.no_grad():
            chunks = held_out.split(batch_size)
            real_scores = torch.cat([critic(real[chunk]) for chunk in chunks])
            fake_scores = torch.cat([critic(fake[chunk]) for chunk in chunks])
    return (real_scores.mean() - fake_scores.mean()).item()
