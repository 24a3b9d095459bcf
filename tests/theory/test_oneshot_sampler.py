"""The Poisson functional representation: exact output law, Li–El Gamal's index, a stopping
rule that always ends, and a decoder that needs only the key."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from seqrdp.errors import UsageError
from seqrdp.theory import poisson_process as process
from seqrdp.theory.common_randomness import block_keys
from seqrdp.theory.poisson_representation import decode, encode


def kl_bits(mean: np.ndarray, scale: float) -> float:
    """D(N(m, σ²I) ‖ N(0, I)) in bits: n(σ² − 1 − ln σ²)/2 + ‖m‖²/2 nats."""
    n = len(mean)
    nats = 0.5 * n * (scale**2 - 1 - math.log(scale**2)) + 0.5 * float(mean @ mean)
    return nats / math.log(2)


@settings(max_examples=6, deadline=None)
@given(
    block=st.integers(1, 3),
    scale=st.floats(0.3, 0.98),
    shift=st.floats(-2.0, 2.0),
    seed=st.integers(0, 2**32),
)
def test_the_decoded_sample_has_the_target_law(block, scale, shift, seed):
    count = 500
    mean = np.full((count, block), shift * math.sqrt(1 - scale**2))  # a typical target
    keys = block_keys(seed, np.arange(count), 1)
    coded = encode(mean, scale, keys)
    sample = decode(coded.index, keys, block)
    assert np.array_equal(sample, coded.sample)
    standardised = ((sample - mean) / scale).ravel()  # i.i.d. N(0, 1) if the law is exact
    assert stats.kstest(standardised, "norm").pvalue > 1e-3


def test_a_flat_search_over_the_merged_order_finds_the_same_index():
    # Independent of the shells' bounds: list the first points in time order, take the argmin
    # of T / r by brute force, and certify it with the global bound sup r.
    block, scale, count, listed = 2, 0.8, 30, 100
    rng = np.random.default_rng(3)
    mean = rng.normal(size=(count, block)) * math.sqrt(1 - scale**2)
    keys = block_keys(5, np.arange(count), 2)
    coded = encode(mean, scale, keys)
    sh = process.shells(block)
    each = np.repeat(keys, listed)
    names = process.nth(each, np.tile(np.arange(1, listed + 1), count), sh)
    times = process.times(each, names, sh).reshape(count, listed)
    z = process.locations(each, names, block).reshape(count, listed, block)
    log_r = (
        -block * math.log(scale)
        - 0.5 * ((z - mean[:, None]) ** 2).sum(-1) / scale**2
        + 0.5 * (z**2).sum(-1)
    )
    value = np.log(times) - log_r
    log_sup = -block * math.log(scale) + 0.5 * (mean**2).sum(-1) / (1 - scale**2)
    certified = np.log(times[:, -1]) - log_sup > value.min(axis=1)
    assert certified.mean() > 0.9
    assert np.array_equal(coded.index[certified], 1 + value.argmin(axis=1)[certified])


def test_the_mean_log_index_is_within_li_and_el_gamal_bound():
    # E log2 K ≤ D(P‖Q) + log2(e)/e + 1 ≈ D + 1.53 (Li & El Gamal 2018, Theorem 1's proof),
    # here with its standard error.
    block, scale, count = 4, 0.6, 3000
    mean = np.full((count, block), 0.5)
    coded = encode(mean, scale, block_keys(9, np.arange(count), 1))
    logs = np.log2(coded.index)
    bound = kl_bits(mean[0], scale) + math.log2(math.e) / math.e + 1
    assert logs.mean() <= bound + 3 * logs.std() / math.sqrt(count)
    assert logs.mean() >= kl_bits(mean[0], scale) - 3.0  # not trivially small either


@settings(max_examples=8, deadline=None)
@given(
    block=st.integers(1, 8),
    information=st.floats(0.0, 0.75),  # bits per sample
    spread=st.floats(0.0, 3.0),  # ‖m‖ in units of its typical size
    seed=st.integers(0, 2**32),
)
def test_the_stopping_rule_always_ends_and_the_decoder_agrees(block, information, spread, seed):
    scale = 2.0 ** (-information)
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=block)
    direction /= np.linalg.norm(direction)
    typical = math.sqrt(block * (1 - scale**2))
    mean = np.tile(direction * spread * typical, (8, 1))
    if scale == 1.0:
        mean[:] = 0.0
    keys = block_keys(seed, np.arange(8), 3)
    coded = encode(mean, scale, keys)  # returns: the rule ended
    assert np.all(coded.index >= 1)
    assert np.array_equal(decode(coded.index, keys, block), coded.sample)


def test_decoding_one_block_alone_gives_the_batch_s_bits():
    keys = block_keys(2, np.arange(30), 1)
    coded = encode(np.full((30, 3), 0.3), 0.7, keys)
    alone = np.concatenate([decode(coded.index[i : i + 1], keys[i : i + 1], 3) for i in range(30)])
    assert np.array_equal(alone, coded.sample)


def test_an_identical_target_costs_index_one():
    keys = block_keys(4, np.arange(50), 1)
    coded = encode(np.zeros((50, 2)), 1.0, keys)
    assert np.all(coded.index == 1)


@pytest.mark.parametrize(("scale", "mean"), [(1.2, 0.0), (1.0, 0.1), (0.0, 0.0), (math.nan, 0.0)])
def test_an_unbounded_density_ratio_is_refused(scale, mean):
    with pytest.raises(UsageError):
        encode(np.full((2, 2), mean), scale, block_keys(0, np.arange(2), 1))


def test_an_index_below_one_is_refused():
    with pytest.raises(UsageError, match=">= 1"):
        decode(np.array([0]), block_keys(0, np.arange(1), 1), 1)
