"""The decoder and critic losses, checked against values computed by hand."""

import math

import pytest
import torch
from torch import nn

from seqrdp.train.objectives import (
    critic_loss,
    critic_name,
    decoder_loss,
    info_loss,
    mode_seeking,
)


class Linear(nn.Module):
    """f(x) = <w, x>: its gradient is w everywhere, so the penalty is (‖w‖ − 1)² exactly."""

    def __init__(self, numel, scale):
        super().__init__()
        self.w = nn.Parameter(torch.full((numel,), scale))

    def forward(self, x):
        return x.flatten(1) @ self.w


def _clips(n=4, frames=3, size=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, frames, 1, size, size, generator=g)


def _critics(plf, frames, size, scale):
    width = {"fmd": lambda t: 1, "jd": lambda t: t}[plf]
    return nn.ModuleDict(
        {critic_name(plf, t): Linear(width(t) * size * size, scale) for t in range(1, frames + 1)}
    )


def test_decoder_loss_without_critics_is_the_weighted_mse_of_the_scored_frames():
    source, fake = _clips(seed=0), _clips(seed=1)
    loss, stats = decoder_loss(source, {"fmd": fake}, ["fmd"], None, 2.0, 5.0)
    assert float(loss) == pytest.approx(2.0 * float(((fake - source) ** 2).mean()), rel=1e-6)
    later, _ = decoder_loss(source, {"fmd": fake}, ["fmd"], None, 2.0, 5.0, first=2)
    expected = 2.0 * float(((fake[:, 1:] - source[:, 1:]) ** 2).mean())
    assert float(later) == pytest.approx(expected, rel=1e-6)
    # The logged MSE covers every frame, whatever the loss scores.
    assert stats["mse/fmd"] == pytest.approx(float(((fake - source) ** 2).mean()), rel=1e-6)


def test_decoder_loss_adds_minus_lambda_times_the_mean_critic_score_of_the_plf_inputs():
    source, fake = _clips(seed=0), _clips(seed=1)
    critics = _critics("jd", 3, 4, 0.5)
    loss, stats = decoder_loss(source, {"jd": fake}, ["jd"], critics, 1.0, 0.1)
    # jd's critic at frame t scores the stack X̂_1..X̂_t: with f = 0.5·sum, that is half the sum.
    scores = [0.5 * float(fake[:, :t].sum()) / len(fake) for t in (1, 2, 3)]
    adversarial = -sum(scores) / 3
    assert stats["adversarial/jd"] == pytest.approx(adversarial, rel=1e-5)
    mse = float(((fake - source) ** 2).mean())
    assert float(loss.detach()) == pytest.approx(mse + 0.1 * adversarial, rel=1e-5)


def test_wgan_gp_critic_loss_is_the_score_gap_plus_the_exact_penalty_of_a_linear_critic():
    source, fake = _clips(seed=0), _clips(seed=1)
    scale = 0.3  # ‖w‖ = 0.3 · 4 = 1.2 over 16 pixels, so each penalty is 0.2² = 0.04
    critics = _critics("fmd", 3, 4, scale)
    loss, stats = critic_loss(source, {"fmd": fake}, ["fmd"], critics, 10.0, "wgan-gp")
    gap = scale * float(source.sum() - fake.sum()) / len(source) / 3
    assert stats["perception/fmd"] == pytest.approx(gap, rel=1e-5)
    assert stats["penalty/fmd"] == pytest.approx(0.04, rel=1e-5)
    assert float(loss) == pytest.approx(10.0 * 0.04 - gap, rel=1e-5)


def test_hinge_critic_loss_has_no_penalty_and_scores_both_margins():
    source, fake = _clips(frames=2, seed=0), _clips(frames=2, seed=1)
    critics = _critics("fmd", 2, 4, 0.2)
    loss, stats = critic_loss(source, {"fmd": fake}, ["fmd"], critics, 10.0, "hinge", first=2)
    real_scores = 0.2 * source[:, 1].flatten(1).sum(1)
    fake_scores = 0.2 * fake[:, 1].flatten(1).sum(1)
    expected = torch.relu(1 - real_scores).mean() + torch.relu(1 + fake_scores).mean()
    assert float(loss) == pytest.approx(float(expected), rel=1e-5)
    assert stats["penalty/fmd"] == 0.0
    # Only frame 2 is scored: frame 1's critic is untouched by the loss.
    loss.backward()
    assert critics[critic_name("fmd", 1)].w.grad is None


def test_an_unknown_critic_loss_is_refused():
    source = _clips(frames=1)
    with pytest.raises(ValueError, match="critic loss"):
        critic_loss(source, {"fmd": source}, ["fmd"], _critics("fmd", 1, 4, 1.0), 1.0, "lsgan")


def test_mode_seeking_is_one_over_the_output_gap_per_noise_gap():
    first, second = torch.zeros(2, 1, 4, 4), torch.full((2, 1, 4, 4), 0.5)
    # mean |first − second| = 0.5; over a noise gap of 2 that is 0.25, so 1 / 0.25001.
    assert float(mode_seeking(first, second, torch.tensor(2.0))) == pytest.approx(1 / 0.25001)
    assert float(mode_seeking(first, first, torch.tensor(1.0))) == pytest.approx(1e5)


def test_info_loss_is_the_cross_entropy_of_the_code_log_k_for_a_network_that_cannot_tell():
    frames = torch.rand(6, 1, 16, 16)
    code = nn.functional.one_hot(torch.tensor([0, 1, 2, 3, 4, 0]), 5).float()

    class Blind(nn.Module):  # the same logits for every frame: the uniform guess
        def forward(self, x):
            return torch.zeros(len(x), 5)

    assert float(info_loss(Blind(), frames, code)) == pytest.approx(math.log(5), rel=1e-6)

    class Knows(nn.Module):  # logit 2 on the drawn value, 0 elsewhere
        def forward(self, x):
            return 2.0 * code

    # −log(e^2 / (e^2 + 4)), by hand.
    expected = math.log(1 + 4 * math.exp(-2))
    assert float(info_loss(Knows(), frames, code)) == pytest.approx(expected, rel=1e-5)
