"""Center crop and area resampling, checked against block means and conservation of mass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from seqrdp.data.resize import area_weights, center_crop_box, resize_frames


@given(size_in=st.integers(1, 300), size_out=st.integers(1, 300))
@settings(deadline=None)
def test_area_weights_average_and_conserve_mass(size_in, size_out):
    weights = area_weights(size_in, size_out)
    assert weights.shape == (size_out, size_in) and weights.min() >= 0
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-9)  # an average per output
    # Each input pixel contributes its full area: out/in of a unit spread over the outputs.
    np.testing.assert_allclose(weights.sum(axis=0), size_out / size_in, atol=1e-9)


def test_integer_factor_is_the_block_mean():
    frames = np.random.default_rng(0).integers(0, 256, (3, 120, 120), dtype=np.uint8)
    block_means = frames.reshape(3, 60, 2, 60, 2).mean(axis=(2, 4))
    resized = resize_frames(frames, 60)
    assert np.abs(resized - block_means).max() <= 0.5 + 1e-4


def test_kth_frame_is_cropped_to_its_center_square():
    # 160×120 (width × height): the central 120 columns are 20–139.
    frame = np.full((1, 120, 160), 255, dtype=np.uint8)
    frame[:, :, 20:140] = 0
    assert center_crop_box(120, 160, 1.0) == (slice(0, 120), slice(20, 140))
    resized = resize_frames(frame, 64)
    assert resized.shape == (1, 64, 64) and resized.max() == 0


def test_non_square_target_keeps_its_aspect_ratio():
    frames = np.zeros((1, 100, 100), dtype=np.uint8)
    frames[:, :25] = 200  # the top quarter is cropped away for a 2:1 (width:height) target
    frames[:, 75:] = 200
    resized = resize_frames(frames, (20, 40))
    assert resized.shape == (1, 20, 40) and resized.max() == 0


@given(
    frames=hnp.arrays(
        np.uint8, st.tuples(st.integers(1, 3), st.integers(1, 40), st.integers(1, 40))
    ),
    size=st.integers(1, 30),
)
@settings(deadline=None)
def test_resized_values_stay_within_the_input_range(frames, size):
    resized = resize_frames(frames, size)
    assert resized.shape == (len(frames), size, size) and resized.dtype == np.uint8
    assert frames.min() <= resized.min() and resized.max() <= frames.max()


@given(level=st.integers(0, 255), height=st.integers(1, 50), width=st.integers(1, 50))
@settings(deadline=None)
def test_constant_frames_stay_constant(level, height, width):
    frames = np.full((2, height, width), level, dtype=np.uint8)
    assert (resize_frames(frames, 17) == level).all()


def test_rgb_channels_are_resized_independently():
    frames = np.random.default_rng(1).integers(0, 256, (2, 30, 40, 3), dtype=np.uint8)
    resized = resize_frames(frames, 16)
    assert resized.shape == (2, 16, 16, 3)
    for channel in range(3):
        np.testing.assert_array_equal(
            resized[..., channel], resize_frames(frames[..., channel], 16)
        )


def test_mean_brightness_is_preserved_by_shrinking():
    frames = np.random.default_rng(2).integers(0, 256, (1, 120, 120), dtype=np.uint8)
    assert abs(resize_frames(frames, 64).mean() - frames.mean()) < 0.5


@pytest.mark.parametrize("size", [0, (3, 0)])
def test_non_positive_size_is_rejected(size):
    with pytest.raises(ValueError, match="size"):
        resize_frames(np.zeros((1, 4, 4), np.uint8), size)
