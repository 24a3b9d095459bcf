"""Perception heads: the history gate of jd and sa (``history_gain``)."""

import pytest
import torch

from seqrdp.codec.config import CodecConfig
from seqrdp.codec.heads import GAIN_RATE, PerceptionHead
from seqrdp.codec.model import SequentialCodec
from seqrdp.train.loop import trainable
from seqrdp.train.stages import Stage

CONFIG = CodecConfig(size=(16, 16), width=8, noise_dims=4, pframe_bits=32, history_gain=True)


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    dims = CONFIG.motion_dims + CONFIG.residual_dims
    latent = torch.randn(3, dims, generator=g)
    noise = torch.randn(3, CONFIG.noise_dims, generator=g)
    mmse = torch.rand(3, 1, 16, 16, generator=g)
    history = torch.rand(3, 1, 16, 16, generator=g)
    return latent, noise, mmse, history


def test_the_gate_starts_closed_and_open_it_decodes_around_the_moved_past():
    torch.manual_seed(0)
    head = PerceptionHead(CONFIG, history=True)
    latent, noise, mmse, history = _inputs()
    with torch.no_grad():
        closed = head(2, latent, noise, mmse, history)
        head.pframe.out.weight.zero_()  # no correction: the output is the blend alone
        head.pframe.out.bias.zero_()
        assert torch.equal(head(2, latent, noise, mmse, history), mmse.clamp(0, 1))
        head.pframe_gain.fill_(1 / GAIN_RATE)
        assert torch.allclose(head(2, latent, noise, mmse, history), history)
        head.pframe_gain.fill_(0.5 / GAIN_RATE)
        assert torch.allclose(head(2, latent, noise, mmse, history), (mmse + history) / 2)
    assert closed.shape == mmse.shape


def test_only_heads_with_history_get_a_gate_and_it_trains_with_the_p_frame_decoders():
    model = SequentialCodec(CONFIG)
    assert model.heads["fmd"].pframe_gain is None
    gates = [model.heads[h].pframe_gain for h in ("jd", "sa")]
    stage = Stage("perception", 0, 1, ("jd",), ("heads.pframe",), True)
    chosen = {id(p) for p in trainable(model, stage)}
    assert all(id(g) in chosen for g in gates)
    stage = Stage("iframe", 0, 1, ("jd",), ("heads.iframe",), True)
    assert not any(id(g) in {id(p) for p in trainable(model, stage)} for g in gates)


def test_history_gain_is_written_only_when_on_so_older_models_keep_their_identity():
    assert "history_gain" not in CodecConfig().to_dict()
    assert CodecConfig(history_gain=True).to_dict()["history_gain"] is True
    assert CodecConfig.from_dict(CONFIG.to_dict()) == CONFIG
    with pytest.raises(TypeError, match="history_gain"):
        CodecConfig(history_gain=1)
