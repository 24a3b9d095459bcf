"""samples.png: source row then one row per head, clips side by side."""

import torch

from seqrdp.train.samples import sample_grid


def test_grid_places_each_head_on_its_own_row_and_each_frame_in_its_column():
    source = torch.zeros(2, 3, 1, 4, 4)
    heads = {"mse": torch.full((2, 3, 1, 4, 4), 0.5), "jd": torch.ones(2, 3, 1, 4, 4)}
    source[1, 2] = 1.0  # clip 2, frame 3
    grid = sample_grid(source, heads)
    # 3 rows of height 4 + 1 line; 2 clips of 3 frames of width 4 + 1 line, a 2-pixel gap.
    assert grid.shape == (3 * 5, 2 * 3 * 5 + 2)
    assert (grid[5:9, 0:4] == 128).all()  # mse row: 0.5 → 128 (rounded 127.5)
    assert (grid[10:14, 0:4] == 255).all()  # jd row
    clip2_frame3 = 3 * 5 + 2 + 2 * 5
    assert (grid[0:4, clip2_frame3 : clip2_frame3 + 4] == 255).all()
    assert (grid[0:4, 0:4] == 0).all()
