"""What each PLF's critic compares at frame t."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from seqrdp.perception.plf import PLFS, critic_frames, critic_inputs, with_aligned_past


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


def _dot(size, row, col):
    frame = torch.zeros(1, size, size)
    frame[0, row, col] = 1.0
    return frame


@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=1, max_size=4))
def test_aligned_past_moves_each_past_dot_onto_the_last_frames_dot(dots):
    # One white pixel per frame: its centre of mass is the pixel, so moving a past frame onto
    # the last one puts its pixel where the last frame's is.
    stack = torch.stack([_dot(12, r, c) for r, c in dots])[None]  # (1, k, 1, 12, 12)
    aligned = with_aligned_past(stack)
    k = len(dots)
    assert aligned.shape == (1, 2 * k - 1, 1, 12, 12)
    assert torch.equal(aligned[:, :k], stack)
    for j in range(k - 1):
        assert torch.equal(aligned[0, k + j], _dot(12, *dots[-1]))


def test_aligned_past_copies_pixels_and_keeps_the_shape_of_a_moved_object():
    # A 3×3 Latin square of values (equal row and column sums, so its centre of mass is its
    # middle pixel, (3, 3)) in the past and a dot at (8, 6) now: the block moves by (5, 3)
    # whole pixels, pixel for pixel.
    past = torch.zeros(1, 12, 12)
    past[0, 2:5, 2:5] = torch.tensor([[0.1, 0.5, 0.3], [0.5, 0.3, 0.1], [0.3, 0.1, 0.5]])
    stack = torch.stack([past, _dot(12, 8, 6)])[None]
    moved = with_aligned_past(stack)[0, 2, 0]
    expected = torch.zeros(12, 12)
    expected[7:10, 5:8] = past[0, 2:5, 2:5]
    assert torch.equal(moved, expected)


@given(st.sampled_from(PLFS), st.integers(1, 4))
def test_aligned_critics_see_the_past_twice(plf, t):
    source, outputs = _clips()
    real, fake = critic_inputs(plf, source, outputs, t, aligned=True)
    frames = critic_frames(plf, t, aligned=True)
    assert frames == (1 if plf == "fmd" else 2 * t - 1)
    assert real.shape == fake.shape == (2, frames, 8, 8)
    plain_real, plain_fake = critic_inputs(plf, source, outputs, t)
    width = plain_real.shape[1]
    assert torch.equal(real[:, :width], plain_real) and torch.equal(fake[:, :width], plain_fake)


@pytest.mark.parametrize("plf", ["jd", "sa"])
def test_the_moved_past_carries_no_gradient(plf):
    source, outputs = _clips()
    _, fake = critic_inputs(plf, source, outputs, 3, aligned=True)
    fake.sum().backward()
    # Only X̂_3 (the current frame) is trained; where the past is moved to is not either.
    assert float(outputs.grad[:, 2].abs().min()) == 1.0
    assert float(outputs.grad[:, [0, 1, 3]].abs().max()) == 0.0


@pytest.mark.parametrize(("plf", "t"), [("mse", 1), ("fmd", 0), ("jd", 5)])
def test_bad_arguments_raise(plf, t):
    source, outputs = _clips()
    with pytest.raises(ValueError):
        critic_inputs(plf, source, outputs, t)
