"""The gauss-markov training source: the theory's source as vector clips, drawn reproducibly."""

import numpy as np
import pytest
import torch

from seqrdp.errors import UsageError
from seqrdp.perception.vector_critic import VectorCritic
from seqrdp.theory import GaussMarkovSource
from seqrdp.train.architecture import build_codec, build_critics
from seqrdp.train.data import clip_source
from seqrdp.train.loop import train

VECTOR = {"data": "gauss-markov", "codec": "vector", "dims": 8, "levels": 2, "iframe_bits": 2,
          "pframe_bits": 4, "noise_dims": 4}  # fmt: skip


def test_clips_have_the_covariance_of_the_theory_source(tiny):
    config = tiny(**{**VECTOR, "dims": 16}, rho=[0.9, 0.5], sigma1=2.0)
    clips = clip_source(config).batch(4000, rank=0, step=0)
    assert clips.shape == (4000, 3, 16, 1, 1) and clips.dtype == torch.float32
    samples = clips.flatten(2).permute(0, 2, 1).reshape(-1, 3).double().numpy()  # (N·d, T)
    expected = GaussMarkovSource([0.9, 0.5], sigma2_1=2.0).covariance()
    # Var 2, 0.9²·2 + 0.19 = 1.81, 0.25·1.81 + 0.75 = 1.2025; 64,000 samples: error ≈ 0.01.
    np.testing.assert_allclose(np.cov(samples.T), expected, atol=0.06)
    assert expected[2, 2] == pytest.approx(1.2025)


def test_a_batch_depends_only_on_seed_rank_step_and_draw(tiny):
    source = clip_source(tiny(**VECTOR))
    again = clip_source(tiny(**VECTOR))
    assert torch.equal(source.batch(4, rank=0, step=7), again.batch(4, rank=0, step=7))
    assert not torch.equal(source.batch(4, rank=0, step=7), source.batch(4, rank=0, step=8))
    assert not torch.equal(source.batch(4, rank=0, step=7), source.batch(4, rank=1, step=7))
    assert source.describe()["rho"] == [0.9, 0.9]


def test_source_and_codec_must_match(tiny):
    with pytest.raises(UsageError, match="--codec vector"):
        clip_source(tiny(**{**VECTOR, "codec": "conv", "motion_bits": 0}))
    with pytest.raises(UsageError, match="rho: got 3 values for 3 frames"):
        clip_source(tiny(**VECTOR, rho=[0.9, 0.9, 0.9]))
    with pytest.raises(UsageError, match="needs the conv codec"):
        tiny(**VECTOR, critic_align=True)
    with pytest.raises(UsageError, match="use gauss-markov"):
        build_codec(tiny(**{**VECTOR, "data": "squares"}), channels=1)


def test_the_vector_codec_trains_and_resumes_in_the_same_loop(tiny, tmp_path):
    config = tiny("end-to-end", plf="jd", **VECTOR, critic_width=8)
    critics = build_critics(config, ["jd"], 8)
    assert all(isinstance(c, VectorCritic) for c in critics.values()) and len(critics) == 3
    hinge = build_critics({**config, "critic_loss": "hinge"}, ["jd"], 8)["jd_3"]
    assert torch.nn.utils.parametrize.is_parametrized(hinge.score[0])  # spectral norm
    whole, meta = train(config, tmp_path / "whole")
    assert meta["codec"]["kind"] == "vector" and meta["rate_bits"] == [2, 4, 4]
    train(config, tmp_path / "resumed", stop_after=5)
    resumed, _ = train(config, tmp_path / "resumed")
    for key, value in whole.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    assert (tmp_path / "whole" / "samples.png").exists()
