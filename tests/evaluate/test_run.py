"""The evaluation runner on a stand-in codec (same forward face) and a brightness classifier."""

import numpy as np
import pytest
import torch
from torch import nn

from seqrdp.data.arrays import VideoSet
from seqrdp.data.dataset import VideoDataset
from seqrdp.errors import UsageError
from seqrdp.evaluate.run import evaluate_codec

SEQUENCES, FRAMES, SIZE = 8, 3, 16
RATE_BITS = [4, 32, 32]


class StandInCodec(nn.Module):
    """Heads: ``mse`` copies the source, ``dark`` outputs black, ``noisy`` adds seeded noise,
    ``swap`` shows digit 8's brightness from frame 2 on."""

    head_names = ("mse", "dark", "noisy", "swap")

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))

    def forward(self, video, *, heads, seeds):
        noise = torch.stack(
            [torch.rand(video.shape[1:], generator=torch.Generator().manual_seed(s)) for s in seeds]
        )
        swap = video.clone()
        swap[:, 1:] = 0.8
        outputs = {
            "mse": video,
            "dark": torch.zeros_like(video),
            "noisy": video + 0.2 * (noise - 0.5),
            "swap": swap,
        }
        frames = video.shape[1]
        return {
            "reconstructions": {head: outputs[head] for head in heads},
            "rate_bits": RATE_BITS[:frames],
        }


class BrightnessClassifier(nn.Module):
    """Names digit round(10 · mean brightness); features are (mean, mean²)."""

    def features(self, frames):
        mean = frames.mean(dim=(1, 2, 3))
        return torch.stack([mean, mean**2], dim=1)

    def head(self, features):
        digit = (features[:, 0] * 10).round().long().clamp(0, 9)
        return nn.functional.one_hot(digit, 10).float()


def videoset(labels=None):
    """Sequence n is a flat frame of brightness (n + 1)/10 with label n + 1, except sequence 0
    whose frames look like digit 2 while labelled 1 (a misclassified source)."""
    levels = np.arange(1, SEQUENCES + 1) / 10
    levels[0] = 0.2
    videos = np.broadcast_to(
        np.round(levels * 255).astype(np.uint8)[:, None, None, None],
        (SEQUENCES, FRAMES, SIZE, SIZE),
    ).copy()
    if labels is None:
        labels = np.arange(1, SEQUENCES + 1)[:, None]
    return VideoSet(videos, labels, {"dataset": "flat"})


def evaluate(data=None, **options):
    options = {"critic_steps": 0, "classifier": BrightnessClassifier(), **options}
    return evaluate_codec(StandInCodec(), videoset() if data is None else data, **options)


def test_a_perfect_head_scores_zero_mse_capped_psnr_and_zero_frechet():
    mse = evaluate(heads=["mse"])["heads"]["mse"]
    assert mse["mse"] == [0.0] * FRAMES
    assert mse["psnr"] == pytest.approx([100.0] * FRAMES)
    assert mse["frechet"] == pytest.approx([0.0] * FRAMES, abs=1e-9)


def test_mse_of_a_black_head_is_the_mean_squared_brightness():
    levels = np.round(np.r_[0.2, np.arange(2, SEQUENCES + 1) / 10] * 255) / 255
    dark = evaluate(heads=["dark"])["heads"]["dark"]
    assert dark["mse"] == pytest.approx([np.mean(levels**2)] * FRAMES, rel=1e-6)
    expected_psnr = np.mean(10 * np.log10(1 / levels**2))
    assert dark["psnr"] == pytest.approx([expected_psnr] * FRAMES, rel=1e-5)


def test_bits_are_the_models_rate_per_frame_for_every_head():
    report = evaluate()
    assert {head: m["bits"] for head, m in report["heads"].items()} == dict.fromkeys(
        StandInCodec.head_names, RATE_BITS
    )


def test_identity_fractions_follow_the_classifier_on_reconstructions():
    report = evaluate(heads=["mse", "swap"])
    # Source: 7 of 8 sequences classified as their label (sequence 0 looks like a 2).
    assert report["data"]["identity_source"] == pytest.approx([7 / 8] * FRAMES)
    assert report["heads"]["mse"]["identity_source"] == pytest.approx([7 / 8] * FRAMES)
    assert report["heads"]["mse"]["identity_first"] == [1.0] * FRAMES
    # Swap shows an 8 from frame 2: only the last sequence (label 8) keeps its source digit,
    # and no other sequence keeps the digit of its frame 1.
    swap = report["heads"]["swap"]
    assert swap["identity_source"] == pytest.approx([7 / 8, 1 / 8, 1 / 8])
    assert swap["identity_first"] == pytest.approx([1.0, 1 / 8, 1 / 8])


def test_identity_source_is_none_without_one_digit_labels():
    two_digits = videoset(labels=np.ones((SEQUENCES, 2), dtype=np.int64))
    report = evaluate(two_digits, heads=["mse"])
    assert report["data"]["identity_source"] is None
    assert report["heads"]["mse"]["identity_source"] is None
    assert report["heads"]["mse"]["identity_first"] == [1.0] * FRAMES


def test_results_do_not_depend_on_batch_size():
    one = evaluate(heads=["noisy"], batch_size=3)["heads"]["noisy"]
    other = evaluate(heads=["noisy"], batch_size=8)["heads"]["noisy"]
    assert one["mse"] == pytest.approx(other["mse"], rel=1e-6)
    assert one["mse"][0] > 0


def test_seeds_change_the_noisy_reconstruction():
    zero = evaluate(heads=["noisy"], seeds=0)["heads"]["noisy"]["mse"]
    hundred = evaluate(heads=["noisy"], seeds=100)["heads"]["noisy"]["mse"]
    listed = evaluate(heads=["noisy"], seeds=list(range(100, 108)))["heads"]["noisy"]["mse"]
    assert zero != hundred and hundred == listed


def test_a_dataset_keeps_only_its_first_frames():
    report = evaluate(VideoDataset(videoset(), frames=2), heads=["mse"])
    assert report["data"]["frames"] == 2 and len(report["heads"]["mse"]["psnr"]) == 2


def test_wasserstein_is_none_without_critic_steps():
    assert evaluate(heads=["mse"])["heads"]["mse"]["wasserstein"] == dict.fromkeys(
        ("fmd", "jd", "sa")
    )


def test_critics_find_a_black_head_less_real_than_a_perfect_one():
    # One frame: all three PLFs compare X_1 with X̂_1; W1 to black is ‖x‖ ≥ 0.2 · 16 = 3.2.
    report = evaluate(
        VideoDataset(videoset(), frames=1), heads=["mse", "dark"], critic_steps=60, critic_width=8
    )
    perfect, dark = (report["heads"][h]["wasserstein"] for h in ("mse", "dark"))
    for plf in ("fmd", "jd", "sa"):
        assert len(dark[plf]) == 1
        assert dark[plf][0] > 0.5
        assert abs(perfect[plf][0]) < 0.05


def test_too_few_sequences_is_a_usage_error():
    small = VideoSet(videoset().videos[:3], videoset().labels[:3])
    with pytest.raises(UsageError, match="at least 4 sequences"):
        evaluate(small)


def test_seed_count_must_match_sequences():
    with pytest.raises(UsageError, match="3 seeds for 8 sequences"):
        evaluate(seeds=[1, 2, 3])


class SpyTwoSample:
    """Records every two-sample test's (real, fake) inputs; accuracy = mean of fake's pixels."""

    def __init__(self):
        self.calls = []

    def __call__(self, real, fake, *, seed):
        from seqrdp.evaluate.two_sample import TwoSampleResult

        self.calls.append((real, fake))
        accuracy = fake.mean().item()
        return TwoSampleResult(accuracy, 0.01, 2 * len(real), 0.5)


@pytest.fixture
def spy(monkeypatch):
    spy = SpyTwoSample()
    monkeypatch.setattr("seqrdp.evaluate.two_sample.two_sample_test", spy)
    return spy


def test_two_sample_keys_are_none_without_two_sample_sequences():
    report = evaluate(heads=["mse"])
    assert report["two_sample"] is None and report["data"]["two_sample"] is None
    for key in ("two_sample", "two_sample_error", "two_sample_clip", "two_sample_clip_error"):
        assert report["heads"]["mse"][key] is None


def test_two_sample_tests_meet_first_half_reconstructions_with_second_half_sources(spy):
    # The flat test data is no generated Moving MNIST: the reference is the data's second half.
    report = evaluate(heads=["dark", "swap"], two_sample_sequences=100)
    source = torch.stack([VideoDataset(videoset())[i] for i in range(SEQUENCES)])
    half = SEQUENCES // 2
    assert report["two_sample"]["sequences"] == half
    assert report["two_sample"]["reference"] == "source clips 5..8 of the data"
    # Control and heads per frame (3 sides x 3 frames), then clips 1..2 and 1..3 per head.
    assert len(spy.calls) == 3 * FRAMES + 2 * (FRAMES - 1)
    frame_tests = [source[half:, t] for _ in range(3) for t in range(FRAMES)]
    clip_tests = [source[half:, :t].flatten(1, 2) for _ in range(2) for t in range(2, FRAMES + 1)]
    assert all(
        torch.equal(real, x)
        for (real, _), x in zip(spy.calls, frame_tests + clip_tests, strict=True)
    )
    control = [fake for _, fake in spy.calls[:FRAMES]]
    assert all(torch.equal(fake, source[:half, t]) for t, fake in enumerate(control))
    swap = report["heads"]["swap"]
    # Swap's frames 2, 3 are 0.8 grey; its clip 1..t mixes frame 1's sources with them.
    assert swap["two_sample"] == pytest.approx([source[:half, 0].mean().item(), 0.8, 0.8])
    first = source[:half, 0].mean().item()
    assert swap["two_sample_clip"] == pytest.approx([first, (first + 0.8) / 2, (first + 1.6) / 3])
    assert report["heads"]["dark"]["two_sample_clip_error"] == [0.01] * FRAMES


def test_a_given_reference_is_the_real_side_of_every_test(spy):
    reference = VideoSet(np.full((5, FRAMES + 1, SIZE, SIZE), 51, np.uint8), None)
    report = evaluate(heads=["mse"], two_sample_sequences=100, reference=reference)
    assert report["two_sample"]["sequences"] == 5
    assert all(real.eq(0.2).all() and len(real) == 5 for real, _ in spy.calls)


def test_a_reference_of_another_frame_size_or_too_few_clips_is_a_usage_error():
    with pytest.raises(UsageError, match="reference clips"):
        evaluate(two_sample_sequences=8, reference=VideoSet(np.zeros((8, FRAMES, 8, 8), np.uint8)))
    with pytest.raises(UsageError, match="at least 4 clips per side, got 3"):
        evaluate(two_sample_sequences=3)


def test_fresh_reference_redraws_the_datas_moving_mnist_with_another_seed():
    from seqrdp.data.moving_mnist import generate_moving_mnist
    from seqrdp.evaluate.run import REFERENCE_SEED_OFFSET, fresh_reference

    data = generate_moving_mnist(6, 2, size=32, split="test", seed=7)
    reference = fresh_reference(data.meta, 5, 2)
    expected = generate_moving_mnist(5, 2, size=32, split="test", seed=REFERENCE_SEED_OFFSET + 7)
    assert np.array_equal(reference.videos, expected.videos)
    assert {k: v for k, v in reference.meta.items() if k not in ("seed", "sequences")} == {
        k: v for k, v in data.meta.items() if k not in ("seed", "sequences")
    }
    assert not np.array_equal(reference.videos[:5], data.videos[:5])
    for change in (
        {"split": None},
        {"digit_source": "9 digits given by the caller"},
        {"seed": None},
    ):
        assert fresh_reference({**data.meta, **change}, 5, 2) is None
