"""The one-shot index on the wire: Exp-Golomb codes, their reader, and byte packing."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqrdp.errors import UsageError
from seqrdp.theory.universal_code import BitReader, exp_golomb, exp_golomb_length, pack, unpack

indices = st.integers(1, 2**40)
orders = st.integers(0, 12)


def test_order_zero_is_elias_gamma():
    # Elias gamma: ⌊log2 K⌋ zeros, then K in binary.
    assert [exp_golomb(k, 0) for k in (1, 2, 3, 4, 9)] == ["1", "010", "011", "00100", "0001001"]


def test_order_k_writes_k_minus_one_plus_two_to_the_k():
    # K = 5, k = 2: v = 4 + 4 = 8 = 1000 (4 bits), after 4 − 1 − 2 = 1 zero.
    assert exp_golomb(5, 2) == "01000"
    assert exp_golomb(1, 3) == "1000"  # v = 2^k: no leading zero


@given(index=indices, order=orders)
def test_length_formula_matches_the_codeword(index, order):
    word = exp_golomb(index, order)
    assert len(word) == int(exp_golomb_length(index, order))
    assert len(word) == 2 * math.floor(math.log2(index - 1 + 2**order)) + 1 - order


@given(st.lists(st.tuples(indices, orders), min_size=1, max_size=8))
def test_codewords_read_back_in_order(items):
    reader = BitReader("".join(exp_golomb(k, order) for k, order in items))
    assert [reader.exp_golomb(order, 41) for _, order in items] == [k for k, _ in items]
    assert reader.at_end()


@given(index=st.integers(2, 2**20), order=orders)
def test_a_truncated_codeword_is_refused(index, order):
    word = exp_golomb(index, order)
    with pytest.raises(UsageError, match="ends inside"):
        BitReader(word[:-1]).exp_golomb(order, 40)


def test_indices_at_or_beyond_the_limit_are_refused():
    with pytest.raises(UsageError, match="corrupt index"):
        BitReader(exp_golomb(2**10, 0)).exp_golomb(0, 10)
    with pytest.raises(UsageError, match="leading zeros"):
        BitReader("0" * 200 + "1").exp_golomb(0, 30)  # no huge read
    assert BitReader(exp_golomb(2**10 - 1, 0)).exp_golomb(0, 10) == 2**10 - 1


@given(st.text(alphabet="01", max_size=80), orders)
def test_any_bit_string_reads_or_fails_with_a_usage_error(bits, order):
    reader = BitReader(bits)
    try:
        while not reader.at_end():
            assert 1 <= reader.exp_golomb(order, 32) < 2**32
    except UsageError:
        pass


@given(st.text(alphabet="01", max_size=70))
def test_pack_pads_with_zeros_to_whole_bytes(bits):
    data = pack(bits)
    assert len(data) == math.ceil(len(bits) / 8)
    assert unpack(data) == bits + "0" * (-len(bits) % 8)
