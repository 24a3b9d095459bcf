"""The rank-one update ``diag(d)² + ρ zzᵀ`` by its secular equation, against dense LAPACK."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.theory.secular import RankOneUpdate


@st.composite
def updates(draw):
    """``(d, z, ρ)`` with the hard cases: repeated poles, zero poles, zero and graded ``z``."""
    k = draw(st.integers(1, 25))
    d = np.array(draw(st.lists(st.floats(0, 2), min_size=k, max_size=k)))
    kind = draw(st.sampled_from(["plain", "ties", "zeros", "tiny", "sparse", "graded"]))
    z = np.array(draw(st.lists(st.floats(-2, 2), min_size=k, max_size=k)))
    if kind == "ties":
        d = np.round(d, 1)
    elif kind == "zeros":
        d[: k // 2 + 1] = 0.0
    elif kind == "tiny":
        d[: k // 2] *= 1e-9
    elif kind == "sparse":
        z[::2] = 0.0
    elif kind == "graded":
        z *= 10.0 ** -np.arange(k)
    rho = draw(st.floats(1e-3, 1e2))
    return d, z, rho


@given(updates())
@settings(max_examples=200, deadline=None)
def test_roots_are_the_singular_values_of_the_factor(case):
    d, z, rho = case
    # S = FFᵀ with F = [diag(d), √ρ z]: the SVD of F gives √eig(S) to full relative accuracy.
    expected = np.linalg.svd(np.column_stack([np.diag(d), np.sqrt(rho) * z]), compute_uv=False)
    got = np.sort(RankOneUpdate(d, z, rho).sigma)[::-1]
    scale = max(d.max(initial=0.0), np.sqrt(rho) * np.abs(z).max(initial=0.0), 1e-300)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * scale)


@given(updates())
@settings(max_examples=200, deadline=None)
def test_eigenvectors_are_orthonormal_and_diagonalise_the_update(case):
    d, z, rho = case
    update = RankOneUpdate(d, z, rho)
    k = len(d)
    basis = np.column_stack([update.combine(np.eye(k)[i]) for i in range(k)])
    np.testing.assert_allclose(basis.T @ basis, np.eye(k), atol=1e-12)
    s = np.diag(d**2) + rho * np.outer(z, z)
    np.testing.assert_allclose(basis.T @ s @ basis, np.diag(update.sigma**2),
                               atol=1e-12 * max(np.abs(s).max(), 1e-300))  # fmt: skip
    v = np.linspace(-1, 1, k)
    np.testing.assert_allclose(update.combine(update.project(v)), v, atol=1e-12)


def test_half_inverse_of_a_singular_update_drops_the_kernel():
    # d = (0, 0, 1), z = e_3: S = diag(0, 0, 1 + ρ); S^{+½} z = z / √(1 + ρ).
    update = RankOneUpdate(np.array([0.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0]), 3.0)
    assert update.kernel == 2
    half = update.combine(update.divide(update.project(np.array([0.0, 0.0, 1.0]))))
    np.testing.assert_allclose(half, [0.0, 0.0, 0.5], atol=1e-15)
