"""The vector codec: the sequential codec's faces and quantiser on vector frames."""

import numpy as np
import pytest
import torch

from seqrdp.codec.vector import VectorCodec, VectorCodecConfig
from seqrdp.errors import UsageError


def _codec(**overrides):
    torch.manual_seed(0)
    fields = {"dims": 8, "levels": 2, "iframe_bits": 4, "pframe_bits": 6, "width": 16,
              "noise_dims": 3, **overrides}  # fmt: skip
    return VectorCodec(VectorCodecConfig(**fields)).eval()


def test_decompress_of_compress_equals_the_eval_forward_for_every_head():
    model = _codec()
    clips = torch.randn(5, 3, 8, 1, 1)
    seeds = [11, 12, 13, 14, 15]
    forward = model(clips, seeds=seeds)["reconstructions"]
    symbols = model.compress(clips, seeds)
    for head in model.head_names:
        decoded = model.decompress(symbols, seeds, head=head)
        assert decoded.shape == clips.shape
        assert torch.equal(decoded, forward[head]), head


def test_every_frame_costs_its_bits_exactly():
    model = _codec(levels=4, iframe_bits=6, pframe_bits=2)
    symbols = model.compress(torch.randn(4, 3, 8, 1, 1), [0, 1, 2, 3])
    assert [s.shape for s in symbols] == [(4, 3), (4, 1), (4, 1)]  # bits / log2(4)
    assert all(s.min() >= 0 and s.max() < 4 for s in symbols)
    assert model.rate_bits(3) == [6, 2, 2]


def test_at_two_levels_the_fresh_encoder_sends_signs_whatever_the_dither():
    # The encoders start saturated, so the dithered two-level quantiser sends sign bits that
    # barely depend on the shared seed (a latent at ±0.98 flips for 1 % of dithers).
    model = _codec(dims=16, iframe_bits=16)
    clips = torch.randn(256, 1, 16, 1, 1)
    first = model.compress(clips, list(range(256)))[0]
    second = model.compress(clips, list(range(1000, 1256)))[0]
    assert (first == second).mean() > 0.9


def test_config_round_trips_and_rejects_fractional_latents():
    config = VectorCodecConfig(dims=8, levels=4, iframe_bits=2, pframe_bits=4, heads=("jd",))
    again = VectorCodecConfig.from_dict(config.to_dict())
    assert again == config and again.history == ("jd",)
    assert VectorCodec.from_config(config.to_dict()).frame_dims(2) == 2
    with pytest.raises(UsageError, match="multiple of log2"):
        VectorCodecConfig(levels=4, iframe_bits=3)
    with pytest.raises(UsageError, match="unknown vector codec config key"):
        VectorCodecConfig.from_dict({"size": [64, 64]})


def test_a_wrong_frame_shape_is_a_usage_error():
    with pytest.raises(UsageError, match=r"\(N, T, 8, 1, 1\)"):
        _codec()(torch.zeros(2, 3, 1, 8, 8))


def test_the_mmse_core_learns_a_scalar_quantiser_of_a_gaussian():
    # One bit per sample on i.i.d. N(0, 1) samples: the sign quantiser's MSE is 1 − 2/π ≈ 0.363
    # (Lloyd–Max); a fresh decoder is near the source variance, 1.
    model = _codec(dims=8, iframe_bits=8).train()
    optimizer = torch.optim.Adam(model.core_parameters(), lr=3e-3)
    for _ in range(150):
        x = torch.randn(128, 1, 8, 1, 1)
        loss = ((model(x, heads=["mse"])["reconstructions"]["mse"] - x) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((4096, 1, 8, 1, 1))).float()
    with torch.no_grad():
        out = model(x, heads=["mse"], seeds=list(range(4096)))["reconstructions"]["mse"]
    assert float(((out - x) ** 2).mean()) < 0.45
