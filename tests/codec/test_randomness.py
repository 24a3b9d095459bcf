"""Shared randomness: a pure function of (seed, frame, purpose, element index)."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from seqrdp.codec.randomness import shared_bits, shared_normal, shared_uniform

seeds = st.integers(min_value=0, max_value=2**64 - 1)


@given(st.lists(seeds, min_size=2, max_size=6, unique=True), st.integers(0, 100))
def test_a_sequence_draws_the_same_numbers_in_any_batch(batch, frame):
    full = shared_uniform(batch, frame, "dither/motion", (5,))
    reversed_batch = shared_uniform(batch[::-1], frame, "dither/motion", (5,))
    alone = shared_uniform(batch[1:2], frame, "dither/motion", (5,))
    assert torch.equal(full, reversed_batch.flip(0))
    assert torch.equal(full[1:2], alone)


@given(seeds, st.integers(0, 1000))
def test_changing_any_key_component_changes_every_word(seed, frame):
    base = shared_bits([seed], frame, "noise/jd", (64,))
    other_seed = shared_bits([seed ^ 1], frame, "noise/jd", (64,))
    other_frame = shared_bits([seed], frame + 1, "noise/jd", (64,))
    other_purpose = shared_bits([seed], frame, "noise/sa", (64,))
    for other in (other_seed, other_frame, other_purpose):
        # 64 independent 64-bit words collide by chance with probability ~64 / 2**64.
        assert not np.any(base == other)


def test_element_blocks_are_prefixes_of_larger_blocks():
    small = shared_bits([3], 2, "p", (4,))
    large = shared_bits([3], 2, "p", (2, 4))
    assert np.array_equal(small[0], large[0, 0])


def _splitmix64_finaliser(z: int) -> int:
    mask = (1 << 64) - 1
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def _fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & ((1 << 64) - 1)
    return h


@given(seeds, st.integers(0, 2**32), st.text(max_size=12))
def test_words_follow_the_documented_splitmix64_formula(seed, frame, purpose):
    # Independent big-integer evaluation of the formula in shared_bits' docstring.
    mix = _splitmix64_finaliser
    key = mix(mix(mix(seed) ^ frame) ^ _fnv1a64(purpose))
    golden = 0x9E3779B97F4A7C15
    expected = [mix((key + (e + 1) * golden) & ((1 << 64) - 1)) for e in range(3)]
    assert shared_bits([seed], frame, purpose, (3,))[0].tolist() == expected


def test_uniform_is_uniform_on_the_open_unit_interval():
    u = shared_uniform([11, 12, 13, 14], 1, "dither/iframe", (5000,)).numpy().ravel()
    assert u.dtype == np.float32
    assert u.min() > 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # Successive elements are uncorrelated.
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.03


def test_normal_is_standard_normal():
    z = shared_normal([1, 2], 3, "noise/fmd", (10000,)).numpy().ravel()
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1.0) < 0.03


def test_negative_seed_is_rejected():
    import pytest

    with pytest.raises(ValueError, match="seed"):
        shared_uniform([-1], 1, "p", (1,))
