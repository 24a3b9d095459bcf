"""The model zoo: shipped models are found by name, user checkpoints by path."""

import json
import shutil

import pytest

from seqrdp import zoo
from seqrdp.errors import UsageError


def test_unknown_model_names_the_shipped_ones():
    with pytest.raises(UsageError, match="unknown model 'no-such-model'"):
        zoo.find_model("no-such-model")


def test_checkpoint_path_loads_as_a_model(tiny_checkpoint):
    model, info = zoo.load_model(str(tiny_checkpoint))
    assert info.name == "tiny"
    assert info.frame_bits == [4, 16]
    assert not model.training


def test_checkpoint_without_metadata_is_a_usage_error(tiny_checkpoint, tmp_path):
    weights = tmp_path / "lonely.safetensors"
    shutil.copy(tiny_checkpoint / "model.safetensors", weights)
    with pytest.raises(UsageError, match="JSON metadata"):
        zoo.find_model(str(weights))


def test_every_shipped_model_lists_the_contract_fields():
    for info in zoo.list_models():
        row = info.to_dict()
        assert set(row) >= {"name", "dataset", "size", "frames", "frame_bits", "heads"}
        assert len(row["size"]) == 2
        assert row["heads"][0] == "mse"
        json.dumps(row)


def test_shipped_models_load_and_match_their_metadata():
    for info in zoo.list_models():
        model, loaded = zoo.load_model(info.name)
        assert list(model.frame_bits) == info.frame_bits
        assert list(model.head_names) == loaded.to_dict()["heads"]


def test_a_name_from_untrusted_input_is_never_taken_as_a_path(tiny_checkpoint):
    assert zoo.find_model(str(tiny_checkpoint)).name == "tiny"
    with pytest.raises(UsageError, match="is not a shipped model"):
        zoo.find_model(str(tiny_checkpoint), shipped_only=True)


def test_a_broken_json_in_the_models_folder_is_skipped_with_a_warning(
    tiny_checkpoint, tmp_path, monkeypatch
):
    shutil.copy(tiny_checkpoint / "model.safetensors", tmp_path / "tiny.safetensors")
    shutil.copy(tiny_checkpoint / "model.json", tmp_path / "tiny.json")
    for name, text in (("broken", "{not json"), ("listed", "[1, 2]"), ("deep", "[" * 100_000)):
        shutil.copy(tiny_checkpoint / "model.safetensors", tmp_path / f"{name}.safetensors")
        (tmp_path / f"{name}.json").write_text(text)
    monkeypatch.setattr(zoo, "_models_dir", lambda: tmp_path)
    with pytest.warns(UserWarning) as caught:
        assert [info.name for info in zoo.list_models()] == ["tiny"]
    # The list is valid JSON but no codec: skipped without a warning.
    skipped = sorted(str(w.message).split(":")[0].split()[-1] for w in caught)
    assert skipped == ["broken.json", "deep.json"]
    with pytest.warns(UserWarning):
        model, info = zoo.load_model("tiny")
    assert info.weights == tmp_path / "tiny.safetensors" and not model.training
