"""Classifier two-sample test: can a small CNN tell a head's frames from real frames?

The test of Lopez-Paz & Oquab (*Revisiting Classifier Two-Sample Tests*, ICLR 2017): given
``n`` real and ``n`` fake samples, train a classifier to tell them apart on one half of each and
score its accuracy on the other half, which it never saw. Under the null hypothesis (the two
distributions are equal) no classifier beats chance on held-out data, so the held-out accuracy
is ``Binomial(m, 1/2) / m`` with ``m`` held-out samples: 0.5 means indistinguishable, 1.0
trivially told apart. Unlike a Fréchet distance it needs no feature space fitted to the data,
and unlike a critic's Wasserstein estimate it has a scale (0.5 to 1) and an error bar that
mean the same at every rate.

The procedure is fixed so that numbers from different codecs compare (none of it is tuned per
codec): the architecture of :class:`TwoSampleClassifier`, :data:`STEPS` Adam steps of
:data:`BATCH_SIZE` samples (half real, half fake) at learning rate :data:`LEARNING_RATE`, and
one seed for the half split, the initialisation and the minibatches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import scipy.stats
import torch
from torch import nn

STEPS = 300
BATCH_SIZE = 64
LEARNING_RATE = 1e-3
WIDTHS = (8, 16, 32, 32)
# Fewest samples per side: the held-out half then has at least two of each.
MIN_SAMPLES = 4


class TwoSampleClassifier(nn.Module):
    """Logit of "real" for a stack of frames (N, channels, H, W) → (N,).

    Four 4×4 stride-2 convolutions with :data:`WIDTHS` channels and leaky ReLUs, then one
    linear layer over the flattened ``H/16 × W/16`` map (so it sees where content sits, not
    only what it looks like); 27k weights at 64×64 with one channel. No normalisation
    layers, so a sample's score does not depend on the rest of its batch.

    Parameters
    ----------
    channels
        Input channels: 1 for a grey frame, ``t`` for grey frames ``1..t`` stacked.
    size
        (H, W), each divisible by 16.
    """

    def __init__(self, channels: int, size: tuple[int, int]) -> None:
        super().__init__()
        h, w = size
        if h % 16 or w % 16:
            raise ValueError(f"two-sample frames {h}x{w} are not divisible by 16")
        layers: list[nn.Module] = []
        inputs = channels
        for width in WIDTHS:
            layers += [nn.Conv2d(inputs, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            inputs = width
        self.features = nn.Sequential(*layers)
        self.logit = nn.Linear(inputs * (h // 16) * (w // 16), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit(self.features(x).flatten(1)).squeeze(1)


@dataclass(frozen=True)
class TwoSampleResult:
    """Outcome of one classifier two-sample test.

    Attributes
    ----------
    accuracy
        Fraction of the ``test_size`` held-out samples (half real, half fake) classified
        correctly, in [0, 1].
    standard_error
        Binomial standard error of ``accuracy``, ``sqrt(accuracy (1 − accuracy) / test_size)``
        (under the null hypothesis it is ``0.5 / sqrt(test_size)``).
    test_size
        Held-out samples ``m`` (both sides together).
    p_value
        One-sided exact binomial p-value of the null hypothesis "indistinguishable":
        ``P(Binomial(m, 1/2) ≥ correct)``.
    """

    accuracy: float
    standard_error: float
    test_size: int
    p_value: float


def two_sample_test(
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    steps: int = STEPS,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
    seed: int = 0,
) -> TwoSampleResult:
    r"""Held-out accuracy of a fresh classifier trained to tell ``real`` from ``fake``.

    Each side is split by a seeded permutation into a training half (the first
    ``⌊n/2⌋`` rows of the permutation) and a held-out half (the other ``⌈n/2⌉``). A fresh
    :class:`TwoSampleClassifier` minimises the logistic loss

    .. math:: -\tfrac{1}{B} \textstyle\sum_{\text{real}} \log \sigma(g(x))
              - \tfrac{1}{B} \textstyle\sum_{\text{fake}} \log (1 - \sigma(g(\hat x)))

    with Adam for ``steps`` steps, each on :math:`B` = ``batch_size / 2`` real and :math:`B`
    fake training samples drawn uniformly with replacement (balanced classes). The reported
    accuracy is :math:`\frac{1}{m} (\#\{g(x) > 0\} + \#\{g(\hat x) \le 0\})` over the
    :math:`m = 2 \lceil n/2 \rceil` held-out samples (Lopez-Paz & Oquab, ICLR 2017). It is an
    honest test at any ``steps``: an under- or over-fitted classifier loses power (accuracy
    nearer 0.5), never validity (accuracy above 0.5 on equal distributions only by chance).

    Parameters
    ----------
    real, fake
        Float tensors (n, C, H, W) of equal shape with n ≥ :data:`MIN_SAMPLES`, pixels in
        [0, 1]; ``C`` frames stacked along channels test clips rather than frames. The two
        sides must be independent samples (e.g. real frames from other clips than those a
        codec reconstructed), otherwise the test measures their dependence too.
    steps, batch_size, learning_rate
        The optimisation; keep the defaults so that numbers compare.
    seed
        Fixes the half split, the initialisation and the minibatches (the global torch RNG
        is left untouched).

    Returns
    -------
    TwoSampleResult
        Held-out accuracy, its binomial standard error, the held-out size and the p-value.
    """
    if real.shape != fake.shape or real.dim() != 4 or len(real) < MIN_SAMPLES:
        raise ValueError(
            f"real and fake need equal shapes (n, C, H, W) with n >= {MIN_SAMPLES}, got "
            f"{tuple(real.shape)} and {tuple(fake.shape)}"
        )
    device = real.device
    generator = torch.Generator().manual_seed(seed)
    n = len(real)
    half = n // 2
    split_real = torch.randperm(n, generator=generator).to(device)
    split_fake = torch.randperm(n, generator=generator).to(device)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        classifier = TwoSampleClassifier(real.shape[1], tuple(real.shape[2:])).to(device)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=learning_rate)
    train_real, train_fake = real[split_real[:half]], fake[split_fake[:half]]
    side = max(1, batch_size // 2)
    targets = torch.cat([torch.ones(side), torch.zeros(side)]).to(device)
    classifier.train()
    for _ in range(steps):
        rows = torch.randint(half, (2, side), generator=generator)
        batch = torch.cat([train_real[rows[0].to(device)], train_fake[rows[1].to(device)]])
        loss = nn.functional.binary_cross_entropy_with_logits(classifier(batch), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    classifier.eval()
    with torch.no_grad():
        held_real = torch.cat([classifier(chunk) for chunk in real[split_real[half:]].split(256)])
        held_fake = torch.cat([classifier(chunk) for chunk in fake[split_fake[half:]].split(256)])
    correct = int((held_real > 0).sum()) + int((held_fake <= 0).sum())
    m = len(held_real) + len(held_fake)
    accuracy = correct / m
    return TwoSampleResult(
        accuracy=accuracy,
        standard_error=math.sqrt(accuracy * (1.0 - accuracy) / m),
        test_size=m,
        p_value=float(scipy.stats.binom.sf(correct - 1, m, 0.5)),
    )
