"""The sequential codec's three faces agree: forward (eval, seeded) = decompress(compress)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqrdp.codec.model import SequentialCodec
from seqrdp.codec.networks import category_one_hot
from seqrdp.errors import UsageError

SMALL = {"size": [16, 32], "width": 8, "noise_dims": 4, "iframe_bits": 4, "pframe_bits": 16,
         "motion_bits": 8}  # fmt: skip
SEEDS = [3, 1 << 40]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return SequentialCodec.from_config(SMALL).eval()


@pytest.fixture(scope="module")
def video():
    torch.manual_seed(1)
    return torch.rand(2, 3, 1, 16, 32)


def test_decompress_of_compress_equals_eval_forward_for_every_head(model, video):
    expected = model(video, seeds=SEEDS)["reconstructions"]
    symbols = model.compress(video, SEEDS)
    assert set(expected) == {"mse", "fmd", "jd", "sa"}
    for head, frames in expected.items():
        decoded = model.decompress(symbols, SEEDS, head, size=(16, 32))
        assert decoded.shape == (2, 3, 1, 16, 32)
        assert float((decoded - frames).abs().max().detach()) <= 1e-6, head


def test_encoder_and_decoder_mmse_reconstructions_stay_in_sync(model, video):
    # forward with seeds runs exactly the encoder's computation (it holds the frames); the
    # decoder recomputes the MMSE frames, and hence the P-frame references, from symbols alone.
    encoder_side = model(video, heads=["mse"], seeds=SEEDS)["reconstructions"]["mse"]
    decoder_side = model.decompress(model.compress(video, SEEDS), SEEDS, "mse")
    assert torch.equal(encoder_side, decoder_side)


def test_frame_t_is_emitted_after_reading_only_symbols_1_to_t(model, video):
    symbols = model.compress(video, SEEDS)
    read = []

    def lazily():
        for chunk in symbols:
            read.append(chunk)
            yield chunk

    full = model.decompress(symbols, SEEDS, "jd")
    for t, frame in enumerate(model.decompress_frames(lazily(), SEEDS, "jd"), start=1):
        assert len(read) == t
        assert torch.equal(frame, full[:, t - 1])


def test_symbols_have_exactly_the_rate_of_each_frame(model, video):
    symbols = model.compress(video, SEEDS)
    bits_per_symbol = np.log2(model.quantizer.levels)
    assert model.frame_bits == (4, 16)
    assert model(video, seeds=SEEDS)["rate_bits"] == [4, 16, 16]
    assert [s.shape[1] * bits_per_symbol for s in symbols] == [4, 16, 16]
    assert all(s.dtype == np.int64 and s.min() >= 0 and s.max() < 4 for s in symbols)


def test_a_sequence_gets_the_same_symbols_in_any_batch_order(model, video):
    forward = model.compress(video, SEEDS)
    backward = model.compress(video.flip(0), SEEDS[::-1])
    for a, b in zip(forward, backward, strict=True):
        assert np.array_equal(a, b[::-1])


def test_seeds_change_the_symbols_and_the_noise(model, video):
    one = model(video, seeds=SEEDS)["reconstructions"]
    other = model(video, seeds=[7, 8])["reconstructions"]
    assert not torch.equal(one["fmd"], other["fmd"])


def test_reference_switch_decides_which_output_feeds_the_pframe(video):
    torch.manual_seed(0)
    universal = SequentialCodec.from_config(SMALL).eval()
    with torch.no_grad():  # a fresh I-frame decoder starts at black, where clamping hides heads
        universal.iframe.decoder.out.bias.fill_(0.3)
    end_to_end = SequentialCodec.from_config({**SMALL, "reference": "jd"}).eval()
    end_to_end.load_state_dict(universal.state_dict())
    for model in (universal, end_to_end):
        seen = []
        original = model.pframe.encode_motion
        model.pframe.encode_motion = lambda x, r, f=original, s=seen: (s.append(r), f(x, r))[1]
        out = model(video, seeds=SEEDS)["reconstructions"]
        head = model.codec_config.reference
        assert torch.equal(seen[0], out[head][:, 0])
        assert torch.equal(seen[1], out[head][:, 1])
        assert not torch.equal(seen[0], out["mse" if head == "jd" else "jd"][:, 0])
        model.pframe.encode_motion = original
    # Same weights: frame 1 is the same; frame 2 is coded relative to a different reference.
    a = universal(video, seeds=SEEDS)["reconstructions"]["mse"]
    b = end_to_end(video, seeds=SEEDS)["reconstructions"]["mse"]
    assert torch.equal(a[:, 0], b[:, 0])
    assert not torch.equal(a[:, 1], b[:, 1])


def test_end_to_end_model_round_trips_for_its_head(video):
    torch.manual_seed(0)
    model = SequentialCodec.from_config({**SMALL, "heads": ["sa"], "reference": "sa"}).eval()
    expected = model(video, seeds=SEEDS)["reconstructions"]["sa"]
    decoded = model.decompress(model.compress(video, SEEDS), SEEDS, "sa")
    assert float((decoded - expected).abs().max().detach()) <= 1e-6


def test_outputs_are_frames_in_the_unit_interval(model, video):
    with torch.no_grad():
        out = model(video * 4 - 2, seeds=SEEDS)["reconstructions"]
    for frames in out.values():
        assert float(frames.min()) >= 0.0 and float(frames.max()) <= 1.0


def test_config_rebuilds_the_same_model(model):
    again = SequentialCodec.from_config(model.config)
    assert again.config == model.config
    assert {k: v.shape for k, v in again.state_dict().items()} == {
        k: v.shape for k, v in model.state_dict().items()
    }


def test_zero_bit_iframe_is_allowed_and_sends_no_symbols(video):
    model = SequentialCodec.from_config({**SMALL, "iframe_bits": 0}).eval()
    symbols = model.compress(video, SEEDS)
    assert symbols[0].shape == (2, 0)
    assert torch.equal(
        model.decompress(symbols, SEEDS, "fmd"), model(video, seeds=SEEDS)["reconstructions"]["fmd"]
    )


def test_training_forward_passes_gradients_to_encoders(video):
    torch.manual_seed(0)
    model = SequentialCodec.from_config(SMALL).train()
    out = model(video, heads=["mse"])
    ((out["reconstructions"]["mse"] - video) ** 2).mean().backward()
    assert model.iframe.encoder.project.weight.grad.abs().sum() > 0
    assert model.pframe.residual_encoder.project.weight.grad.abs().sum() > 0
    assert model.pframe.motion_encoder.project.weight.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"iframe_bits": 5}, "iframe_bits"),
        ({"levels": 6}, "levels"),
        ({"motion_bits": 32}, "motion_bits"),
        ({"size": [24, 32]}, "size"),
        ({"heads": ["fmd", "xyz"]}, "xyz"),
        ({"reference": "jd", "heads": ["fmd"]}, "reference"),
        ({"colour": 3}, "colour"),
        ({"iframe_categories": 3}, "shared frame-1 generator"),
        ({"iframe_categories": 1, "iframe_head": "patch"}, "at least 2"),
        ({"iframe_categories": 5, "iframe_head": "patch"}, "more than noise_dims"),
    ],
)
def test_bad_configs_name_the_offending_key(override, message):
    with pytest.raises(UsageError, match=message):
        SequentialCodec.from_config({**SMALL, **override})


def test_bad_inputs_are_usage_errors(model, video):
    symbols = model.compress(video, SEEDS)
    with pytest.raises(UsageError, match="head"):
        model.decompress(symbols, SEEDS, "nope")
    with pytest.raises(UsageError, match="shape"):
        model.decompress([symbols[0][:, :1]], SEEDS)
    with pytest.raises(UsageError, match="outside"):
        model.decompress([symbols[0] + 4], SEEDS)
    with pytest.raises(UsageError, match="seeds"):
        model.compress(video, [1])
    with pytest.raises(UsageError, match="shape"):
        model(video[:, :, :, :8])


def test_a_model_that_has_coded_still_trains_and_codes_the_same(video):
    # Coding switches a CPU model to channels-last weights under inference mode; neither may
    # leak into training (inference tensors cannot be saved for backward).
    torch.manual_seed(0)
    model = SequentialCodec.from_config(SMALL).eval()
    before = model.compress(video, SEEDS)
    model.decompress(before, SEEDS, "jd")
    assert not any(p.is_inference() for p in model.parameters())
    out = model.train()(video, heads=["mse", "jd"])
    (out["reconstructions"]["jd"] - video).square().mean().backward()
    grads = [p.grad for p in model.heads["jd"].parameters() if p.grad is not None]
    assert sum(float(g.abs().sum()) for g in grads) > 0
    after = model.eval().compress(video, SEEDS)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize("step", [0.0, 2.0])
def test_centre_history_is_the_past_output_moved_onto_the_mmse_centre(video, step):
    from seqrdp.moves import move_to_centre

    torch.manual_seed(0)
    config = {**SMALL, "history_align": "centre", "history_step": step}
    model = SequentialCodec.from_config(config).eval()
    blob = torch.zeros(video.shape[0], 1, 16, 32)
    blob[:, :, 2:5, 3:7] = 1.0
    seen = []
    original = model.heads["jd"].forward

    def forward(t, *args):  # frame 1 of the jd head is a blob; record what frame 2 sees
        seen.append(args)
        return blob if t == 1 else original(t, *args)

    model.heads["jd"].forward = forward
    model(video, seeds=SEEDS)
    model.heads["jd"].forward = original
    (_, _, mmse, history) = seen[1]
    # Tests of move_to_centre itself: tests/test_moves.py.
    assert torch.equal(history, move_to_centre(blob, mmse, step)) and history.sum() > 0
    # The default warps the past by the field instead, and is stored without the keys.
    assert not {"history_align", "history_step"} & set(SequentialCodec.from_config(SMALL).config)
    assert model.config.get("history_step", 0.0) == step
    with pytest.raises(UsageError, match="history_step"):
        SequentialCodec.from_config({**config, "history_step": -1.0})
    assert model.config["history_align"] == "centre"
    with pytest.raises(UsageError, match="history_align"):
        SequentialCodec.from_config({**SMALL, "history_align": "nearest"})


def test_history_base_head_starts_as_its_moved_past(video):
    """A ``history_base`` head whose correction is zero outputs its past output moved onto
    the frame (error permanence at initialisation); the MMSE frame is no part of it."""
    from seqrdp.moves import move_to_centre

    torch.manual_seed(0)
    config = {**SMALL, "history_align": "centre", "history_base": ["jd"]}
    model = SequentialCodec.from_config(config).eval()
    with torch.no_grad():
        model.heads["jd"].pframe.out.weight.zero_()
        model.heads["jd"].pframe.out.bias.zero_()
        model.heads["jd"].iframe.out.bias.fill_(0.5)  # a frame 1 with something to move
    with torch.no_grad():
        out = model(video, seeds=SEEDS)["reconstructions"]
    jd, mmse = out["jd"], out["mse"]
    for t in range(1, video.shape[1]):
        moved = move_to_centre(jd[:, t - 1], mmse[:, t])
        assert torch.equal(jd[:, t], moved.clamp(0.0, 1.0))
    assert jd[:, 1].sum() > 0 and not torch.equal(jd[:, 1], mmse[:, 1])
    assert model.config["history_base"] == ["jd"]
    assert "history_base" not in SequentialCodec.from_config(SMALL).config
    with pytest.raises(UsageError, match="history_base"):
        SequentialCodec.from_config({**SMALL, "history_base": ["fmd"]})


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 8), st.integers(0, 4), st.integers(0, 2**31 - 1))
def test_category_one_hot_marks_the_largest_of_the_first_k_noise_coordinates(k, extra, seed):
    noise = torch.randn(5, k + extra, generator=torch.Generator().manual_seed(seed))
    code = category_one_hot(noise, k)
    assert code.shape == (5, k) and torch.equal(code.sum(dim=1), torch.ones(5))
    for row, values in zip(code, noise, strict=True):
        index = int(row.argmax())
        assert all(values[index] >= values[j] for j in range(k))


def test_category_one_hot_of_gaussian_noise_is_uniform_over_its_values():
    # Argmax of k i.i.d. continuous draws: each index with probability 1/k, by symmetry.
    draws, k = 40_000, 10
    noise = torch.randn(draws, 16, generator=torch.Generator().manual_seed(0))
    counts = category_one_hot(noise, k).sum(dim=0)
    sigma = (draws * (1 / k) * (1 - 1 / k)) ** 0.5  # binomial standard deviation
    assert torch.all((counts - draws / k).abs() < 5 * sigma)


def test_iframe_categories_feed_the_shared_generator_a_one_hot_code(video):
    config = {**SMALL, "iframe_head": "patch", "iframe_categories": 3}
    torch.manual_seed(0)
    model = SequentialCodec.from_config(config).eval()
    first = model.iframe_generator.generator.project.in_features
    assert first == model.codec_config.iframe_dims + SMALL["noise_dims"] + 3
    latent, noise = torch.zeros(2, model.codec_config.iframe_dims), torch.randn(2, 4)
    vector = model.generator_input(latent, noise)
    assert torch.equal(vector[:, -3:], category_one_hot(noise, 3))
    # The code is part of the stored shape, omitted when off (older models keep their hash).
    assert model.config["iframe_categories"] == 3
    assert "iframe_categories" not in SequentialCodec.from_config(SMALL).config
    expected = model(video, seeds=SEEDS)["reconstructions"]["jd"]
    decoded = model.decompress(model.compress(video, SEEDS), SEEDS, "jd", size=(16, 32))
    assert torch.allclose(decoded, expected, atol=1e-6)
