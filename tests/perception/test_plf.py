"""What each PLF's critic compares at frame t."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from seqrdp.perception.plf import PLFS, critic_frames, critic_inputs


def _clips(n=2, frames=4, size=8):
    torch.manual_seed(0)
    source = torch.rand(n, frames, 1, size, size)
    outputs = torch.rand(n, frames, 1, size, size, requires_grad=True)
    return source, outputs


@given(st.sampled_from(PLFS), st.integers(1, 4))
def test_both_sides_stack_critic_frames_along_channels(plf, t):
    source, outputs = _clips()
    real, fake = critic_inputs(plf, source, outputs, t)
    frames = critic_frames(plf, t)
    assert frames == (1 if plf == "fmd" else t)
    assert real.shape == fake.shape == (2, frames, 8, 8)


def test_fmd_compares_the_current_frames_only():
    source, outputs = _clips()
    real, fake = critic_inputs("fmd", source, outputs, 3)
    assert torch.equal(real[:, 0], source[:, 2, 0])
    assert torch.equal(fake[:, 0], outputs[:, 2, 0])


def test_jd_real_side_is_the_source_clip_so_far():
    source, outputs = _clips()
    real, fake = critic_inputs("jd", source, outputs, 3)
    assert torch.equal(real, source[:, :3, 0])
    assert torch.equal(fake, outputs[:, :3, 0])


def test_sa_real_side_is_past_outputs_then_the_current_source_frame():
    source, outputs = _clips()
    real, fake = critic_inputs("sa", source, outputs, 3)
    assert torch.equal(real[:, :2], outputs[:, :2, 0].detach())
    assert torch.equal(real[:, 2], source[:, 2, 0])
    assert torch.equal(fake, outputs[:, :3, 0])
    # The past outputs on the real side are data: no gradient reaches them from there.
    assert not real.requires_grad
    assert fake.requires_grad


def test_at_the_first_frame_every_plf_compares_single_frames():
    source, outputs = _clips()
    pairs = [critic_inputs(plf, source, outputs, 1) for plf in PLFS]
    for real, fake in pairs:
        assert torch.equal(real, source[:, 0])
        assert torch.equal(fake, outputs[:, 0])


@pytest.mark.parametrize("plf", ["fmd", "jd", "sa"])
def test_gradient_of_the_fake_side_reaches_only_the_current_frame(plf):
    source, outputs = _clips()
    _, fake = critic_inputs(plf, source, outputs, 2)
    fake.sum().backward()
    assert float(outputs.grad[:, 1].abs().min()) == 1.0  # X̂_2
    assert float(outputs.grad[:, [0, 2, 3]].abs().max()) == 0.0  # X̂_1 (past), X̂_3, X̂_4


@pytest.mark.parametrize(("plf", "t"), [("mse", 1), ("fmd", 0), ("jd", 5)])
def test_bad_arguments_raise(plf, t):
    source, outputs = _clips()
    with pytest.raises(ValueError):
        critic_inputs(plf, source, outputs, t)
