"""Scale-space warping: identity, integer shifts, the blur axis."""

import pytest
import torch

from seqrdp.codec.scale_space import (
    gaussian_blur,
    gaussian_kernel,
    scale_space_sigmas,
    scale_space_warp,
)


def _field(n, h, w, dx=0.0, dy=0.0, scale=0.0):
    field = torch.zeros(n, 3, h, w)
    field[:, 0], field[:, 1], field[:, 2] = dx, dy, scale
    return field


def test_zero_field_returns_the_reference():
    torch.manual_seed(0)
    ref = torch.rand(2, 1, 16, 16)
    out = scale_space_warp(ref, _field(2, 16, 16), levels=4, sigma=1.0)
    assert torch.allclose(out, ref, atol=1e-6)


def test_integer_flow_shifts_the_reference():
    torch.manual_seed(1)
    ref = torch.rand(1, 1, 16, 16)
    out = scale_space_warp(ref, _field(1, 16, 16, dx=2.0, dy=-1.0), levels=4, sigma=1.0)
    # Output (i, j) reads reference (i − 1, j + 2); compare away from the replicated borders.
    assert torch.allclose(out[0, 0, 1:, :-2], ref[0, 0, :-1, 2:], atol=1e-5)


def test_half_pixel_flow_averages_neighbours():
    ref = torch.zeros(1, 1, 16, 16)
    ref[0, 0, :, 8] = 1.0
    out = scale_space_warp(ref, _field(1, 16, 16, dx=0.5), levels=2, sigma=1.0)
    assert float(out[0, 0, 5, 7]) == pytest.approx(0.5, abs=1e-5)
    assert float(out[0, 0, 5, 8]) == pytest.approx(0.5, abs=1e-5)


def test_full_scale_selects_the_blurriest_level():
    torch.manual_seed(2)
    ref = torch.rand(1, 1, 32, 32)
    out = scale_space_warp(ref, _field(1, 32, 32, scale=1.0), levels=3, sigma=1.0)
    assert scale_space_sigmas(3, 1.0) == [0.0, 1.0, 2.0]
    assert torch.allclose(out, gaussian_blur(ref, 2.0), atol=1e-5)


def test_blur_keeps_the_mean_and_lowers_the_variance():
    torch.manual_seed(3)
    ref = torch.rand(1, 1, 32, 32)
    blurred = gaussian_blur(ref, 2.0)
    assert float(blurred.mean()) == pytest.approx(float(ref.mean()), abs=1e-2)
    assert float(blurred.var()) < 0.5 * float(ref.var())


def test_gaussian_kernel_has_the_requested_standard_deviation():
    k = gaussian_kernel(2.0)
    r = (k.numel() - 1) // 2
    x = torch.arange(-r, r + 1, dtype=torch.float32)
    assert float(k.sum()) == pytest.approx(1.0)
    # Truncation at 3σ removes 0.27 % of the mass, so the variance is slightly below σ².
    assert float((k * x**2).sum()) == pytest.approx(4.0, rel=0.03)


def test_gradient_reaches_the_flow():
    ref = torch.zeros(1, 1, 16, 16)
    ref[0, 0, 4:12, 4:12] = 1.0
    field = _field(1, 16, 16, dx=0.3).requires_grad_(True)
    scale_space_warp(ref, field, levels=4, sigma=1.0).sum().backward()
    assert field.grad is not None and float(field.grad[:, 0].abs().sum()) > 0
