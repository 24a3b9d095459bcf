"""The digit classifier: shape contract, safetensors round trip, shipped accuracy."""

import json

import torch

from seqrdp.evaluate.classifier import (
    ClassifierArchitecture,
    DigitClassifier,
    classify_frames,
    load_classifier,
    save_classifier,
    train_classifier,
)


def test_classifier_maps_frames_to_ten_logits_and_penultimate_features():
    classifier = DigitClassifier()
    frames = torch.rand(3, 1, 64, 64)
    assert classifier(frames).shape == (3, 10)
    assert classifier.features(frames).shape == (3, ClassifierArchitecture().features)


def test_classifier_is_small():
    count = sum(p.numel() for p in DigitClassifier().parameters())
    assert 50_000 <= count <= 200_000


def test_classify_frames_returns_argmax_digit_and_features_per_sequence_and_frame():
    torch.manual_seed(0)
    classifier = DigitClassifier().eval()
    video = torch.rand(2, 3, 1, 64, 64)
    digits, features = classify_frames(classifier, video)
    assert digits.shape == (2, 3) and features.shape == (2, 3, classifier.architecture.features)
    assert torch.equal(digits[1, 2], classifier(video[1, 2:3]).argmax(dim=1)[0])
    assert torch.allclose(features[0, 1], classifier.features(video[0, 1:2])[0])


def test_saved_classifier_loads_with_identical_outputs_and_metadata(tmp_path):
    torch.manual_seed(0)
    classifier = DigitClassifier(ClassifierArchitecture(widths=(4, 8), features=6)).eval()
    path = tmp_path / "classifier.safetensors"
    save_classifier(classifier, path, {"steps": 7, "seed": 3})
    loaded, metadata = load_classifier(path)
    frames = torch.rand(2, 1, 64, 64)
    assert torch.equal(loaded(frames), classifier(frames))
    assert metadata == {"architecture": {"widths": [4, 8], "features": 6}, "steps": 7, "seed": 3}
    assert json.loads(path.with_suffix(".json").read_text())["steps"] == 7
    raw = path.read_bytes()  # safetensors: 8-byte header length, then a JSON header
    assert raw[8:9] == b"{" and int.from_bytes(raw[:8], "little") < len(raw)


def test_shipped_classifier_is_small_and_records_at_least_97_percent_test_accuracy():
    from importlib import resources

    weights = resources.files("seqrdp").joinpath("models", "mnist_classifier.safetensors")
    assert len(weights.read_bytes()) < 1_000_000
    _, metadata = load_classifier()
    assert metadata["test_accuracy"] >= 0.97
    assert {"architecture", "steps", "seed", "train_seconds"} <= set(metadata)


def test_shipped_classifier_names_digits_of_unseen_test_split_clips():
    # Fresh clips (seed 7, not the seed of the recorded accuracy) of TEST-split digits only.
    from seqrdp.data.moving_mnist import generate_moving_mnist

    classifier, _ = load_classifier()
    clips = generate_moving_mnist(100, 2, split="test", seed=7)
    video = torch.as_tensor(clips.videos).unsqueeze(2).float() / 255
    digits, _ = classify_frames(classifier, video)
    accuracy = (digits == torch.as_tensor(clips.labels)).float().mean().item()
    assert accuracy >= 0.95


def test_training_is_reproducible_for_a_seed():
    first, metadata = train_classifier(steps=2, batch_size=2, seed=4)
    second, _ = train_classifier(steps=2, batch_size=2, seed=4)
    for name, tensor in first.state_dict().items():
        assert torch.equal(tensor, second.state_dict()[name]), name
    assert metadata["steps"] == 2 and metadata["seed"] == 4


def test_training_script_documents_its_flags():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "train_classifier.py"
    result = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert all(flag in result.stdout for flag in ("--steps", "--out", "--seed"))
