"""KTH clips: split by person, labelled by action, cut by frames/stride, same lazily."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.data.kth import ACTIONS, KthDataset, clip_starts, kth_clips, parse_kth_name
from seqrdp.errors import UsageError

# Pixel columns of a 64×64 clip that come only from the left (identity) and the right (frame
# index) half of the 120×120 center square: output column j covers input [1.875 j, 1.875 (j+1)).
LEFT, RIGHT = np.s_[4:28], np.s_[36:60]


def decode_codes(clip: np.ndarray) -> tuple[float, np.ndarray]:
    """Identity grey level (clip mean) and per-frame grey level of the right half."""
    return float(clip[:, 8:56, LEFT].mean()), clip[:, 8:56, RIGHT].mean(axis=(1, 2))


def identify(kth_tree, level: float) -> tuple[int, str]:
    codes = {
        (person, action): kth_tree.identity_code(person, action)
        for person in kth_tree.persons
        for action in kth_tree.actions
    }
    return min(codes, key=lambda key: abs(codes[key] - level))


@pytest.mark.parametrize(("split", "persons"), [("train", {1, 2}), ("test", {17, 18})])
def test_split_holds_exactly_its_persons_and_every_action(kth_tree, split, persons):
    clips = kth_clips(kth_tree.root, split=split, frames=10)
    seen = set()
    for clip, label in zip(clips.videos, clips.labels, strict=True):
        level, _ = decode_codes(clip)
        person, action = identify(kth_tree, level)
        assert abs(level - kth_tree.identity_code(person, action)) < 3
        assert ACTIONS[label] == action
        seen.add((person, action))
    assert seen == {(person, action) for person in persons for action in kth_tree.actions}


def test_clips_are_non_overlapping_by_default_and_the_remainder_is_dropped(kth_tree):
    clips = kth_clips(kth_tree.root, split="train", frames=8)
    files = 2 * len(kth_tree.actions)
    assert clips.videos.shape == (files * (30 // 8), 8, 64, 64)
    assert clips.videos.dtype == np.uint8
    starts = [start for _, start in clips.meta["clips"]]
    assert starts == [0, 8, 16] * files


def test_stride_sets_clip_starts_visible_in_the_pixels(kth_tree):
    clips = kth_clips(kth_tree.root, split="test", frames=10, stride=5)
    assert len(clips) == 2 * len(kth_tree.actions) * 5  # starts 0, 5, 10, 15, 20
    for clip, (_, start) in zip(clips.videos, clips.meta["clips"], strict=True):
        _, frame_levels = decode_codes(clip)
        expected = [kth_tree.frame_code(start + offset) for offset in range(10)]
        np.testing.assert_allclose(frame_levels, expected, atol=3)


def test_frames_outside_the_center_square_are_cropped(kth_tree):
    # The white side bands (columns 0–19 and 140–159) must not reach the edges of the clip.
    clips = kth_clips(kth_tree.root, split="train", frames=30, size=32)
    assert clips.videos.shape[2:] == (32, 32)
    assert clips.videos[:, :, 4:-4, 0].max() < 200
    assert clips.videos[:, :, 4:-4, -1].max() < 250 - 8


def test_meta_names_actions_and_persons(kth_tree):
    clips = kth_clips(kth_tree.root, split="test", frames=10)
    assert clips.meta["label_names"] == list(ACTIONS)
    assert clips.meta["persons"] == list(range(17, 26))
    assert clips.meta["dataset"] == "kth"
    assert clips.labels.dtype == np.int64


def test_persons_mapping_is_configurable(kth_tree):
    clips = kth_clips(kth_tree.root, split="val", frames=10, persons={"val": [2, 18]})
    people = {identify(kth_tree, decode_codes(clip)[0])[0] for clip in clips.videos}
    assert people == {2, 18}


def test_lazy_dataset_matches_eager_clips(kth_tree):
    eager = kth_clips(kth_tree.root, split="train", frames=12, stride=9, size=32)
    lazy = KthDataset(kth_tree.root, split="train", frames=12, stride=9, size=32)
    assert len(lazy) == len(eager)
    for index in range(len(lazy)):
        item = lazy[index]
        assert item.dtype == torch.float32 and item.shape == (12, 1, 32, 32)
        expected = torch.from_numpy(eager.videos[index].astype(np.float32) / 255)
        torch.testing.assert_close(item[:, 0], expected)
        assert int(lazy.labels(index)) == eager.labels[index]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"split": "validation"}, "split"),
        ({"frames": 0}, "frames"),
        ({"stride": 0}, "stride"),
        ({"frames": 31}, "31 frames"),
    ],
)
def test_bad_arguments_raise_usage_errors(kth_tree, kwargs, fragment):
    with pytest.raises(UsageError, match=fragment):
        kth_clips(kth_tree.root, **kwargs)


def test_missing_or_empty_root_raises_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        kth_clips(tmp_path / "nowhere")
    with pytest.raises(UsageError, match="no KTH videos"):
        kth_clips(tmp_path)


@given(
    person=st.integers(1, 25),
    action=st.sampled_from(ACTIONS),
    scenario=st.integers(1, 4),
)
@settings(deadline=None)
def test_kth_names_parse_to_person_action_scenario(person, action, scenario):
    parsed = parse_kth_name(f"/x/person{person:02d}_{action}_d{scenario}_uncomp.avi")
    assert parsed is not None
    assert (parsed.person, ACTIONS[parsed.action], parsed.scenario) == (person, action, scenario)


@pytest.mark.parametrize(
    "name",
    ["person01_dancing_d1_uncomp.avi", "person01_boxing_d1.avi", "00sequences.txt", "x.avi"],
)
def test_other_names_are_not_kth_videos(name):
    assert parse_kth_name(name) is None


@given(length=st.integers(0, 200), frames=st.integers(1, 50), stride=st.integers(1, 50))
@settings(deadline=None)
def test_clip_starts_fit_inside_the_video_and_are_stride_apart(length, frames, stride):
    starts = list(clip_starts(length, frames, stride))
    assert all(start + frames <= length for start in starts)
    assert all(b - a == stride for a, b in itertools.pairwise(starts))
    # No further clip would fit.
    next_start = starts[-1] + stride if starts else 0
    assert next_start + frames > length
