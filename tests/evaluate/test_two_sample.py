"""The classifier two-sample test tells apart what differs and not what does not."""

import math

import pytest
import scipy.stats
import torch

from seqrdp.data.moving_mnist import generate_moving_mnist
from seqrdp.evaluate.two_sample import TwoSampleClassifier, two_sample_test

# Small frames keep each test near a second: 32×32 canvases, 256 samples per side, so the
# held-out half has m = 256 samples and chance-level accuracy has standard error 1/32.
SIZE, SAMPLES = 32, 256
NULL_ERROR = 0.5 / math.sqrt(SAMPLES)


def clips(seed, frames=1):
    """(SAMPLES, frames, SIZE, SIZE) Moving MNIST test clips in [0, 1]; frames along channels."""
    videos = generate_moving_mnist(SAMPLES, frames, size=SIZE, split="test", seed=seed).videos
    return torch.as_tensor(videos).float() / 255


def gaussian_blur(frames, sigma=1.0):
    """Separable Gaussian blur with standard deviation ``sigma`` pixels (7 taps, zero padding)."""
    taps = torch.exp(-(torch.arange(-3, 4.0) ** 2) / (2 * sigma**2))
    taps = taps / taps.sum()
    channels = frames.shape[1]
    rows = taps.view(1, 1, 1, 7).repeat(channels, 1, 1, 1)
    columns = taps.view(1, 1, 7, 1).repeat(channels, 1, 1, 1)
    frames = torch.nn.functional.conv2d(frames, rows, padding=(0, 3), groups=channels)
    return torch.nn.functional.conv2d(frames, columns, padding=(3, 0), groups=channels)


def test_real_against_independent_real_frames_is_chance():
    result = two_sample_test(clips(1), clips(2))
    assert result.test_size == SAMPLES
    assert abs(result.accuracy - 0.5) <= 3 * NULL_ERROR


def test_real_against_frames_blurred_by_one_pixel_is_told_apart():
    result = two_sample_test(clips(1), gaussian_blur(clips(2)))
    assert result.accuracy >= 0.7
    assert result.p_value < 1e-6


def test_clips_with_frames_shuffled_across_clips_are_told_apart_only_as_clips():
    # Every frame of a shuffled clip is a real frame, so frame by frame nothing differs; only
    # the clip (frames stacked along channels) shows that frame 2 does not continue frame 1.
    real, other = clips(3, frames=2), clips(4, frames=2)
    generator = torch.Generator().manual_seed(0)
    shuffled = torch.stack(
        [other[torch.randperm(SAMPLES, generator=generator), t] for t in (0, 1)], 1
    )
    assert two_sample_test(real, shuffled).accuracy >= 0.7
    assert abs(two_sample_test(real, other).accuracy - 0.5) <= 3 * NULL_ERROR
    assert abs(two_sample_test(real[:, 1:], shuffled[:, 1:]).accuracy - 0.5) <= 3 * NULL_ERROR


def test_standard_error_and_p_value_are_binomial():
    result = two_sample_test(clips(1), gaussian_blur(clips(2), sigma=0.7), steps=10)
    m, accuracy = result.test_size, result.accuracy
    correct = round(accuracy * m)
    assert result.standard_error == pytest.approx(math.sqrt(accuracy * (1 - accuracy) / m))
    assert result.p_value == pytest.approx(scipy.stats.binomtest(correct, m, 0.5, "greater").pvalue)


def test_the_same_seed_gives_the_same_accuracy_and_leaves_the_global_rng_alone():
    real, fake = clips(1)[:64], gaussian_blur(clips(2)[:64])
    torch.manual_seed(123)
    expected = torch.rand(())
    torch.manual_seed(123)
    first = two_sample_test(real, fake, steps=20, seed=5)
    assert torch.rand(()) == expected
    assert two_sample_test(real, fake, steps=20, seed=5) == first


def test_an_odd_sample_count_holds_out_the_larger_half():
    assert two_sample_test(clips(1)[:9], clips(2)[:9], steps=1).test_size == 10


@pytest.mark.parametrize(
    "real, fake",
    [(torch.zeros(8, 1, 32, 32), torch.zeros(7, 1, 32, 32)), (torch.zeros(3, 1, 32, 32),) * 2],
)
def test_unequal_or_too_small_samples_are_rejected(real, fake):
    with pytest.raises(ValueError, match="equal shapes"):
        two_sample_test(real, fake)


def test_the_classifier_takes_stacked_frames_of_any_size_divisible_by_16():
    assert TwoSampleClassifier(3, (48, 32))(torch.zeros(2, 3, 48, 32)).shape == (2,)
    with pytest.raises(ValueError, match="divisible by 16"):
        TwoSampleClassifier(1, (40, 40))
