"""Dithered fixed-rate quantiser: error bound, symbol range, exact decoder agreement, STE."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from seqrdp.codec.quantizer import DitheredQuantizer

levels = st.sampled_from([2, 4, 8, 16, 256])
unit = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False, width=32)
open_unit = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True, width=32)


@given(levels, st.lists(st.tuples(unit, open_unit), min_size=1, max_size=20))
def test_reconstruction_is_within_half_a_step_and_symbols_in_range(L, pairs):
    q = DitheredQuantizer(L)
    y = torch.tensor([p[0] for p in pairs])
    u = q.dither(torch.tensor([p[1] for p in pairs]))
    y_hat, k = q(y, u)
    assert k.dtype == torch.int64
    assert int(k.min()) >= 0 and int(k.max()) <= L - 1
    # Δ/2 with a float32 rounding allowance.
    assert float((y_hat - y).abs().max()) <= (2 / (L - 1)) / 2 + 1e-5


@given(levels, st.lists(st.tuples(unit, open_unit), min_size=1, max_size=20))
def test_decoder_value_from_symbols_equals_training_path_value_bitwise(L, pairs):
    q = DitheredQuantizer(L)
    y = torch.tensor([p[0] for p in pairs], requires_grad=True)
    u = q.dither(torch.tensor([p[1] for p in pairs]))
    y_hat, k = q(y, u)
    assert torch.equal(q.dequantize(k, u), y_hat.detach())


@given(levels, open_unit)
def test_reconstruction_is_a_level_minus_the_dither(L, uniform):
    q = DitheredQuantizer(L)
    u = q.dither(torch.tensor([uniform]))
    y_hat, k = q(torch.tensor([0.3]), u)
    level = -1 + int(k) * 2 / (L - 1)
    assert float(y_hat + u) == pytest.approx(level, abs=1e-6)


def test_gradient_passes_straight_through():
    q = DitheredQuantizer(4)
    y = torch.linspace(-1, 1, 9, requires_grad=True)
    weights = torch.arange(9.0)
    y_hat, _ = q(y, q.dither(torch.full((9,), 0.37)))
    (y_hat * weights).sum().backward()
    assert torch.equal(y.grad, weights)


def test_dither_spans_minus_to_plus_half_a_step():
    q = DitheredQuantizer(8)
    u = q.dither(torch.tensor([0.0, 0.5, 1.0]))
    assert u.tolist() == pytest.approx([-1 / 7, 0.0, 1 / 7])


@pytest.mark.parametrize(("L", "dims", "bits"), [(2, 4, 4), (4, 16, 32), (16, 3, 12), (256, 2, 16)])
def test_rate_is_dims_times_log2_levels(L, dims, bits):
    q = DitheredQuantizer(L)
    assert q.rate_bits(dims) == bits == dims * math.log2(L)


@pytest.mark.parametrize("L", [0, 1, 3, 6, 12])
def test_levels_must_be_a_power_of_two(L):
    with pytest.raises(ValueError, match="power of two"):
        DitheredQuantizer(L)


def test_average_error_with_dither_is_uniform_noise_of_step_variance_over_12():
    # Subtractive dither makes the error uniform on (−Δ/2, Δ/2) whatever y is: variance Δ²/12.
    torch.manual_seed(0)
    q = DitheredQuantizer(8)
    y = torch.full((200_000,), 0.123)
    y_hat, _ = q(y, q.dither(torch.rand(200_000)))
    assert float((y_hat - y).var()) == pytest.approx((2 / 7) ** 2 / 12, rel=0.02)
    assert float((y_hat - y).mean()) == pytest.approx(0.0, abs=1e-3)
