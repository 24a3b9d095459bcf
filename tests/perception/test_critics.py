"""WGAN critics and the gradient penalty."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from seqrdp.perception.critics import Critic, gradient_penalty, group_std


class Linear(nn.Module):
    """f(x) = ⟨w, x⟩ + b: its gradient is w everywhere, so the penalty is (‖w‖ − 1)²."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x):
        return (x * self.w).flatten(1).sum(1) + 0.5


@pytest.mark.parametrize("scale", [0.0, 0.3, 1.0, 2.5])
def test_gradient_penalty_of_a_linear_critic_is_squared_norm_gap(scale):
    torch.manual_seed(0)
    w = torch.randn(1, 2, 4, 4)
    w = w / w.norm() * scale
    critic = Linear(w.clone())
    real, fake = torch.rand(5, 2, 4, 4), torch.rand(5, 2, 4, 4)
    penalty = gradient_penalty(critic, real, fake)
    assert float(penalty.detach()) == pytest.approx((scale - 1.0) ** 2, abs=1e-5)
    # The penalty trains the critic: d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖.
    if scale > 0:
        penalty.backward()
        expected = 2 * (scale - 1.0) * w / scale
        assert torch.allclose(critic.w.grad, expected, atol=1e-5)


def test_gradient_penalty_matches_finite_differences_on_a_quadratic_critic():
    # f(x) = ½‖x‖²: ∇f(x̃) = x̃ with x̃ on the segment between real and fake; when real = fake
    # the mixing weight is irrelevant and the penalty is E(‖x‖ − 1)², checked numerically.
    class Quadratic(nn.Module):
        def forward(self, x):
            return 0.5 * (x**2).flatten(1).sum(1)

    torch.manual_seed(1)
    x = torch.rand(3, 1, 4, 4, dtype=torch.float64)
    penalty = gradient_penalty(Quadratic(), x, x.clone())
    h = 1e-6
    f = Quadratic()
    expected = 0.0
    for i in range(3):
        grad = torch.zeros(16, dtype=torch.float64)
        for j in range(16):
            e = torch.zeros(16, dtype=torch.float64)
            e[j] = h
            xi = x[i].flatten()
            grad[j] = (f((xi + e).view(1, 1, 4, 4)) - f((xi - e).view(1, 1, 4, 4))) / (2 * h)
        expected += (grad.norm() - 1.0) ** 2 / 3
    assert float(penalty.detach()) == pytest.approx(float(expected), rel=1e-6)


@pytest.mark.parametrize(("frames", "channels", "size"), [(1, 1, 16), (3, 1, 32), (2, 3, (16, 32))])
def test_critic_scores_each_stack_with_one_number(frames, channels, size):
    critic = Critic(frames, channels, width=8, size=size)
    h, w = (size, size) if isinstance(size, int) else size
    assert critic(torch.rand(4, frames * channels, h, w)).shape == (4,)


def test_critic_scores_do_not_depend_on_the_rest_of_the_batch():
    torch.manual_seed(2)
    critic = Critic(2, width=8, size=16)
    x = torch.rand(4, 2, 16, 16)
    assert torch.allclose(critic(x)[1:2], critic(x[1:2]), atol=1e-6)


def test_critic_size_must_be_divisible_by_16():
    with pytest.raises(ValueError, match="16"):
        Critic(1, size=20)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**16))
def test_group_std_is_the_mean_standard_deviation_of_each_group(groups, group, seed):
    # Independent derivation: population standard deviation of each feature over a group's
    # samples, written out by its definition, then averaged over features and positions.
    g = torch.Generator().manual_seed(seed)
    features = torch.randn(groups * group, 3, 2, 2, generator=g, dtype=torch.float64)
    out = group_std(features, group)
    assert out.shape == (groups * group, 1, 2, 2)
    for k in range(groups):
        members = features[k * group : (k + 1) * group]
        mean = sum(members) / group
        std = ((sum((m - mean) ** 2 for m in members) / group + 1e-8) ** 0.5).mean()
        for i in range(k * group, (k + 1) * group):
            assert torch.allclose(out[i], std.expand(1, 2, 2), rtol=1e-9, atol=1e-12)


def test_minibatch_std_critic_tells_a_collapsed_batch_from_a_varied_one():
    # Per-sample critics score a sample the same whatever its batch-mates; with the feature
    # the same sample scores differently beside copies of itself than beside other samples.
    torch.manual_seed(3)
    critic = Critic(1, width=8, size=16, minibatch_std=4)
    with torch.no_grad():  # the feature map is the last channel before the score layer
        critic.score.weight[:, -1:] = 100.0
    x = torch.rand(4, 1, 16, 16)
    copies = x[:1].expand(4, -1, -1, -1)
    assert not torch.allclose(critic(x)[0], critic(copies)[0], atol=1e-4)
    # Groups are consecutive: the first group's scores ignore the second group.
    y = torch.rand(4, 1, 16, 16)
    assert torch.allclose(critic(torch.cat([x, y]))[:4], critic(x), atol=1e-6)


def test_minibatch_std_needs_a_batch_that_splits_into_groups():
    critic = Critic(1, width=8, size=16, minibatch_std=4)
    with pytest.raises(ValueError, match="groups of 4"):
        critic(torch.rand(6, 1, 16, 16))
