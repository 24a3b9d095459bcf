"""Squared W2 between Gaussians, checked against independent formulas."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.theory.wasserstein import GaussianW2, gaussian_w2_squared, psd_sqrt

seeds = st.integers(0, 2**32 - 1)


def random_cov(rng, n, rank=None):
    factor = rng.normal(size=(n, rank or n))
    return factor @ factor.T + (0 if rank else 0.05 * np.eye(n))


def test_scalar_laws_differ_by_their_standard_deviations():
    assert gaussian_w2_squared(4.0, 1.0) == pytest.approx(1.0)  # (2 − 1)²


@given(st.lists(st.floats(0.0, 10.0), min_size=1, max_size=5), seeds)
def test_commuting_covariances_reduce_to_eigenvalues(values, seed):
    rng = np.random.default_rng(seed)
    other = rng.uniform(0, 10, len(values))
    q, _ = np.linalg.qr(rng.normal(size=(len(values), len(values))))
    a, b = q @ np.diag(values) @ q.T, q @ np.diag(other) @ q.T
    expected = np.sum((np.sqrt(values) - np.sqrt(other)) ** 2)
    # A zero eigenvalue of a comes out of eigh as ±ε‖a‖, and its square root (√ε, not ε) enters
    # the cross term scaled by ‖b‖: the algorithm's error is of order n·√(ε‖a‖‖b‖) on any
    # machine (up to 4e-7 here for n = 5; a fixed 1e-7 held only by luck of the rounding).
    eps = np.finfo(float).eps
    tolerance = len(values) * np.sqrt(64 * eps * (1 + max(values)) * (1 + other.max()))
    assert gaussian_w2_squared(a, b) == pytest.approx(expected, rel=1e-9, abs=tolerance)


@given(st.integers(1, 5), seeds)
@settings(max_examples=30)
def test_matches_the_sqrtm_formula_and_is_symmetric(n, seed):
    rng = np.random.default_rng(seed)
    a, b = random_cov(rng, n), random_cov(rng, n)
    root = scipy.linalg.sqrtm(a)
    expected = np.trace(a + b - 2 * scipy.linalg.sqrtm(root @ b @ root)).real
    assert gaussian_w2_squared(a, b) == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert gaussian_w2_squared(b, a) == pytest.approx(expected, rel=1e-7, abs=1e-9)


@given(st.integers(1, 5), seeds)
@settings(max_examples=20)
def test_zero_only_for_equal_laws_and_fine_for_singular_ones(n, seed):
    rng = np.random.default_rng(seed)
    a = random_cov(rng, n, rank=max(n - 1, 1))
    assert gaussian_w2_squared(a, a) == pytest.approx(0.0, abs=1e-7)
    assert gaussian_w2_squared(a, 2 * a) > 0


@given(st.integers(1, 4), seeds)
@settings(max_examples=20)
def test_gradient_matches_finite_differences(n, seed):
    rng = np.random.default_rng(seed)
    a, b = random_cov(rng, n), random_cov(rng, n)
    direction = rng.normal(size=(n, n))
    direction = direction + direction.T
    w2 = GaussianW2(a)
    _, gradient = w2.value_and_gradient(b)
    h = 1e-6
    numeric = (w2.value(b + h * direction) - w2.value(b - h * direction)) / (2 * h)
    assert np.sum(gradient * direction) == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_psd_sqrt_squares_back():
    a = random_cov(np.random.default_rng(1), 4)
    root = psd_sqrt(a)
    np.testing.assert_allclose(root @ root, a, atol=1e-12)
    np.testing.assert_allclose(root, root.T)
