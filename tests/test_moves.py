"""Whole-pixel moves of frames: centre of mass and translation (the ``centre`` history)."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.moves import centre_of_mass, move_to_centre, translate

H, W = 12, 16


def _dots(rows, cols):
    frames = torch.zeros(len(rows), 1, H, W)
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        frames[i, 0, r, c] = 1.0
    return frames


@settings(max_examples=60, deadline=None)
@given(r=st.integers(0, H - 1), c=st.integers(0, W - 1),
       dr=st.integers(-H, H), dc=st.integers(-W, W))  # fmt: skip
def test_translate_copies_whole_pixels_or_lets_them_leave(r, c, dr, dc):
    moved = translate(_dots([r], [c]), torch.tensor([float(dr)]), torch.tensor([float(dc)]))
    inside = 0 <= r + dr < H and 0 <= c + dc < W
    expected = _dots([r + dr], [c + dc]) if inside else torch.zeros(1, 1, H, W)
    assert torch.equal(moved, expected)  # exact: nothing is interpolated


def test_translate_matches_a_shifted_slice_for_a_textured_frame():
    torch.manual_seed(0)
    frames = torch.rand(1, 2, H, W)
    moved = translate(frames, torch.tensor([2.0]), torch.tensor([-3.0]))
    assert torch.equal(moved[:, :, 2:, : W - 3], frames[:, :, : H - 2, 3:])
    assert moved[:, :, :2].abs().sum() == 0 and moved[:, :, :, W - 3 :].abs().sum() == 0


def test_centre_of_mass_is_the_weighted_mean_pixel_and_the_middle_of_a_black_frame():
    frames = torch.zeros(2, 1, H, W)
    frames[0, 0, 2, 4], frames[0, 0, 6, 10] = 1.0, 3.0  # mean row 5, column 8.5 → 8 (even)
    row, col = centre_of_mass(frames)
    assert row.tolist() == [5.0, round((H - 1) / 2)]
    assert col.tolist() == [round(8.5), round((W - 1) / 2)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(3, H - 4), st.integers(3, W - 4),
                          st.integers(3, H - 4), st.integers(3, W - 4)),
                min_size=1, max_size=4))  # fmt: skip
def test_move_to_centre_puts_each_frame_on_its_target_centre(cases):
    # A plus-shaped object keeps its shape; the target is a dot elsewhere.
    rows, cols, target_rows, target_cols = zip(*cases, strict=True)
    frames = _dots(rows, cols)
    for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        frames = frames + 0.5 * translate(
            _dots(rows, cols),
            torch.full((len(rows),), float(dr)),
            torch.full((len(rows),), float(dc)),
        )
    moved = move_to_centre(frames, _dots(target_rows, target_cols))
    row, col = centre_of_mass(moved)
    assert row.tolist() == list(map(float, target_rows))
    assert col.tolist() == list(map(float, target_cols))
    assert torch.allclose(moved.sum(dim=(1, 2, 3)), frames.sum(dim=(1, 2, 3)))


@settings(max_examples=80, deadline=None)
@given(r=st.integers(0, H - 1), c=st.integers(0, W - 1), tr=st.integers(0, H - 1),
       tc=st.integers(0, W - 1), limit=st.floats(0.5, 20.0))  # fmt: skip
def test_a_limited_move_goes_towards_the_target_by_at_most_the_limit(r, c, tr, tc, limit):
    moved = move_to_centre(_dots([r], [c]), _dots([tr], [tc]), limit)
    (rows, cols) = torch.nonzero(moved[0, 0], as_tuple=True)
    step = (int(rows[0]) - r, int(cols[0]) - c)  # a dot moved by whole pixels stays a dot
    want = (tr - r, tc - c)
    distance = (want[0] ** 2 + want[1] ** 2) ** 0.5
    if distance <= limit:
        assert step == want  # close enough: all the way
    else:
        # The scaled step (limit along the way), each coordinate rounded: off by ≤ ½ pixel each.
        exact = (want[0] * limit / distance, want[1] * limit / distance)
        assert all(abs(s - e) <= 0.5 + 1e-6 for s, e in zip(step, exact, strict=True))
        assert (step[0] ** 2 + step[1] ** 2) ** 0.5 <= limit + 2**-0.5 + 1e-6


def test_limit_zero_is_the_whole_move():
    torch.manual_seed(1)
    frames, target = torch.rand(3, 1, H, W) ** 8, torch.rand(3, 1, H, W) ** 8
    assert torch.equal(move_to_centre(frames, target, 0.0), move_to_centre(frames, target))
