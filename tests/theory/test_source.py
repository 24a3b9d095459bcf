"""The Gauss–Markov source: variances, covariances, validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.errors import UsageError
from seqrdp.theory import GaussMarkovSource

rhos = st.lists(st.floats(-0.99, 0.99), min_size=0, max_size=6)


@given(rhos)
def test_default_innovation_keeps_a_unit_variance_source_stationary(rho):
    source = GaussMarkovSource(rho)
    assert source.frames == len(rho) + 1
    np.testing.assert_allclose(source.sigma2, 1.0)


def test_variances_follow_the_recursion_with_explicit_innovations():
    source = GaussMarkovSource([0.5, -0.8], sigma2_1=2.0, innovation_var=[0.3, 1.0])
    # σ2² = 0.25·2 + 0.3 = 0.8; σ3² = 0.64·0.8 + 1 = 1.512
    np.testing.assert_allclose(source.sigma2, [2.0, 0.8, 1.512])


@given(rhos)
@settings(max_examples=30)
def test_stationary_covariance_is_product_of_correlations(rho):
    source = GaussMarkovSource(rho)
    cov = source.covariance()
    for i in range(source.frames):
        for k in range(source.frames):
            lo, hi = min(i, k), max(i, k)
            assert cov[i, k] == pytest.approx(np.prod(rho[lo:hi]), abs=1e-12)


def test_covariance_matches_a_simulated_source():
    rng = np.random.default_rng(0)
    source = GaussMarkovSource([0.9, 0.3], sigma2_1=1.5, innovation_var=[0.2, 0.7])
    n = 400_000
    x1 = rng.normal(scale=np.sqrt(1.5), size=n)
    x2 = 0.9 * x1 + rng.normal(scale=np.sqrt(0.2), size=n)
    x3 = 0.3 * x2 + rng.normal(scale=np.sqrt(0.7), size=n)
    empirical = np.cov(np.stack([x1, x2, x3]))
    np.testing.assert_allclose(source.covariance(), empirical, atol=0.01)


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"rho": [1.0]}, "--rho"),
        ({"rho": [-1.5]}, "--rho"),
        ({"rho": [float("nan")]}, "--rho"),
        ({"rho": [0.5], "sigma2_1": 0.0}, "--sigma1"),
        ({"rho": [0.5], "sigma2_1": -1.0}, "--sigma1"),
        ({"rho": [0.5], "innovation_var": [-0.1]}, "--innovation-var"),
        ({"rho": [0.5], "innovation_var": [0.1, 0.2]}, "--innovation-var"),
    ],
)
def test_invalid_parameters_raise_usage_error_naming_the_flag(kwargs, flag):
    with pytest.raises(UsageError, match=flag):
        GaussMarkovSource(**kwargs)
