"""WGAN critics and the gradient penalty."""

import pytest
import torch
from torch import nn

from seqrdp.perception.critics import Critic, gradient_penalty


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
