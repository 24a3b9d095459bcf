"""Metrics: numbers checked against hand computation and closed forms, not against the code."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.evaluate.metrics import (
    frame_mse,
    frechet_distance,
    gaussian_frechet_distance,
    identity_first,
    identity_source,
    label_entropy,
    psnr,
    spread,
)


def test_frame_mse_is_mean_squared_pixel_error_per_sequence_and_frame():
    source = torch.zeros(1, 2, 1, 2, 2)
    reconstruction = torch.zeros(1, 2, 1, 2, 2)
    reconstruction[0, 0] = 0.5  # every pixel off by 0.5 -> 0.25
    reconstruction[0, 1, 0, 0] = 1.0  # two of four pixels off by 1 -> 0.5
    assert frame_mse(source, reconstruction).tolist() == [[0.25, 0.5]]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 5),
    seed=st.integers(0, 2**16),
    scale=st.floats(0.0, 2.0),
)
def test_spread_is_the_ratio_of_mean_pairwise_squared_distances(n, seed, scale):
    # Independent derivation: the double sum over pairs of distinct sequences, in float64.
    rng = np.random.default_rng(seed)
    source = rng.random((n, 2, 1, 3, 3))
    reconstruction = scale * rng.random((n, 2, 1, 3, 3))

    def pairwise(x, t):
        return sum(((x[i, t] - x[j, t]) ** 2).sum() for i in range(n) for j in range(n) if i != j)

    expected = [pairwise(reconstruction, t) / pairwise(source, t) for t in range(2)]
    got = spread(torch.from_numpy(source), torch.from_numpy(reconstruction))
    assert got.tolist() == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_spread_is_one_for_the_source_and_zero_for_one_frame_drawn_every_time():
    source = torch.rand(6, 3, 1, 4, 4)
    assert spread(source, source).tolist() == pytest.approx([1.0, 1.0, 1.0], rel=1e-6)
    collapsed = source[:1].expand_as(source)
    assert spread(source, collapsed).tolist() == [0.0, 0.0, 0.0]
    blurred = source.mean(dim=(3, 4), keepdim=True).expand_as(source)
    assert 0 < spread(source, blurred).max() < 1  # an average of a frame varies less
    with pytest.raises(ValueError, match="two sequences"):
        spread(source[:1], source[:1])


def test_label_entropy_is_the_entropy_of_the_label_histogram_in_bits():
    # Frame 1: four labels once each (2 bits); frame 2: one label (0 bits); frame 3: 3 of one
    # and 1 of another: -(3/4 log2 3/4 + 1/4 log2 1/4) = 0.8113 bits.
    digits = torch.tensor([[0, 7, 1], [1, 7, 1], [2, 7, 1], [3, 7, 9]])
    expected = [2.0, 0.0, -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))]
    got = label_entropy(digits).tolist()
    assert got == pytest.approx(expected, abs=1e-6)
    assert str(got[1]) == "0.0"  # printed as 0, not -0


def test_psnr_matches_hand_computed_decibels():
    mse = torch.tensor([0.25, 0.5, 0.01, 1e-4])
    expected = [10 * math.log10(4), 10 * math.log10(2), 20.0, 40.0]
    assert psnr(mse).tolist() == pytest.approx(expected, abs=1e-5)


def test_psnr_of_a_perfect_frame_is_capped_at_100_db():
    assert psnr(torch.tensor([0.0])).item() == pytest.approx(100.0)


def test_mean_of_psnrs_is_at_least_psnr_of_mean_mse():
    mse = torch.tensor([0.01, 1e-4])  # 20 dB and 40 dB
    assert psnr(mse).mean().item() == pytest.approx(30.0, abs=1e-4)
    assert psnr(mse.mean()).item() == pytest.approx(10 * math.log10(1 / 0.00505), abs=1e-4)


@settings(max_examples=30, deadline=None)
@given(mse=st.floats(1e-8, 1.0), factor=st.floats(1.5, 100.0))
def test_psnr_drops_ten_decibels_per_decade_of_mse(mse, factor):
    value = psnr(torch.tensor([mse, mse * factor], dtype=torch.float64))
    assert (value[0] - value[1]).item() == pytest.approx(10 * math.log10(factor), rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_frame_mse_is_symmetric_nonnegative_and_zero_on_equal_videos(seed):
    generator = torch.Generator().manual_seed(seed)
    a, b = torch.rand(2, 3, 1, 4, 4, generator=generator).unbind(0)
    a, b = a.unsqueeze(0), b.unsqueeze(0)
    assert torch.equal(frame_mse(a, b), frame_mse(b, a))
    assert (frame_mse(a, b) >= 0).all()
    assert (frame_mse(a, a) == 0).all()


def test_frame_mse_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        frame_mse(torch.zeros(1, 2, 1, 4, 4), torch.zeros(1, 3, 1, 4, 4))


# Four sequences, three frames: sequence 2 changes digit after frame 1 and keeps the mistake;
# sequence 3 starts wrong and recovers at frame 3.
DIGITS = torch.tensor([[3, 3, 3], [5, 2, 2], [0, 0, 7], [1, 1, 1]])
LABELS = torch.tensor([3, 5, 7, 1])


def test_identity_source_counts_frames_showing_the_source_digit():
    assert identity_source(DIGITS, LABELS).tolist() == [0.75, 0.5, 0.75]


def test_identity_source_accepts_labels_with_a_digit_axis():
    assert identity_source(DIGITS, LABELS.reshape(4, 1)).tolist() == [0.75, 0.5, 0.75]


def test_identity_first_counts_frames_showing_the_digit_of_frame_one():
    assert identity_first(DIGITS).tolist() == [1.0, 0.75, 0.5]


def test_frechet_distance_of_unit_gaussians_is_squared_mean_difference():
    mean = np.array([1.0, -2.0, 0.5])
    identity = np.eye(3)
    assert gaussian_frechet_distance(np.zeros(3), identity, mean, identity) == pytest.approx(
        mean @ mean
    )


@settings(max_examples=50, deadline=None)
@given(m1=st.floats(-10, 10), m2=st.floats(-10, 10), s1=st.floats(0.01, 10), s2=st.floats(0.01, 10))
def test_frechet_distance_in_one_dimension_is_mean_gap_plus_deviation_gap(m1, m2, s1, s2):
    # W2²(N(m1, s1²), N(m2, s2²)) = (m1 − m2)² + (s1 − s2)².
    value = gaussian_frechet_distance(np.array([m1]), np.array([[s1**2]]), [m2], [[s2**2]])
    assert value == pytest.approx((m1 - m2) ** 2 + (s1 - s2) ** 2, rel=1e-6, abs=1e-9)


def symmetric_sqrt(matrix):
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), dim=st.integers(2, 5))
def test_frechet_distance_matches_the_symmetric_form_for_non_commuting_covariances(seed, dim):
    # Independent form: Tr(A + B − 2 (A^½ B A^½)^½), computed with eigendecompositions.
    rng = np.random.default_rng(seed)
    a, b = (m @ m.T + 0.1 * np.eye(dim) for m in rng.normal(size=(2, dim, dim)))
    mean_a, mean_b = rng.normal(size=(2, dim))
    root_a = symmetric_sqrt(a)
    expected = (
        np.sum((mean_a - mean_b) ** 2)
        + np.trace(a + b)
        - 2 * np.trace(symmetric_sqrt(root_a @ b @ root_a))
    )
    assert gaussian_frechet_distance(mean_a, a, mean_b, b) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_handles_singular_covariances_without_warning():
    import warnings

    # Degenerate Gaussians on the first axis with deviations 1 and 2: W2² = (1 − 2)² = 1.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = gaussian_frechet_distance(
            np.zeros(2), np.diag([1.0, 0.0]), np.zeros(2), np.diag([4.0, 0.0])
        )
    assert value == pytest.approx(1.0, abs=1e-6)


def test_frechet_distance_of_samples_approaches_the_closed_form():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 2)) * [1.0, 2.0]
    b = rng.normal(size=(20000, 2)) * [3.0, 2.0] + [1.0, 0.0]
    # Commuting covariances: ‖Δμ‖² + Σ (σ_a − σ_b)² = 1 + 4 = 5.
    assert frechet_distance(a, b) == pytest.approx(5.0, rel=0.03)


def test_frechet_distance_of_a_sample_with_itself_is_zero():
    features = np.random.default_rng(1).normal(size=(50, 8))
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_stays_finite_when_features_outnumber_samples():
    rng = np.random.default_rng(2)
    value = frechet_distance(rng.normal(size=(5, 16)), rng.normal(size=(5, 16)) + 1.0)
    assert math.isfinite(value) and value > 0


def test_frechet_distance_needs_two_samples_per_side():
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((4, 3)))


def critic_estimate(real, fake, steps=80):
    from seqrdp.evaluate.metrics import wasserstein_estimate
    from seqrdp.perception.critics import Critic

    torch.manual_seed(0)
    return wasserstein_estimate(Critic(1, 1, width=8, size=16), real, fake, steps=steps, seed=0)


def test_wasserstein_estimate_is_near_zero_for_identically_distributed_frames():
    generator = torch.Generator().manual_seed(0)
    real, fake = torch.rand(2, 32, 1, 16, 16, generator=generator).unbind(0)
    assert abs(critic_estimate(real, fake)) < 0.1


def test_wasserstein_estimate_orders_blank_frames_by_brightness_gap():
    # W1 between point masses at 0 and at c·1 (256 pixels) is 16c: exact order 3.2 < 8 < 16.
    blank = torch.zeros(32, 1, 16, 16)
    estimates = [critic_estimate(blank, blank + level) for level in (0.2, 0.5, 1.0)]
    assert 0.5 < estimates[0] < estimates[1] < estimates[2] <= 16.0 * 1.05


def test_wasserstein_estimate_leaves_the_global_random_state_alone():
    from seqrdp.evaluate.metrics import wasserstein_estimate
    from seqrdp.perception.critics import Critic

    critic = Critic(1, 1, width=8, size=16)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    wasserstein_estimate(critic, torch.zeros(8, 1, 16, 16), torch.ones(8, 1, 16, 16), steps=2)
    assert torch.equal(torch.rand(3), expected)


def test_wasserstein_estimate_needs_paired_samples_of_at_least_four():
    with pytest.raises(ValueError, match="at least 4"):
        critic_estimate(torch.zeros(3, 1, 16, 16), torch.zeros(3, 1, 16, 16), steps=1)
