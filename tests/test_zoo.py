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
