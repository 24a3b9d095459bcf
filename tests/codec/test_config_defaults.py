"""A default lives once: the codec's config defaults are ``seqrdp train``'s defaults."""

from __future__ import annotations

import dataclasses

from seqrdp.codec.config import LEGACY_VALUES, CodecConfig
from seqrdp.train.config import default_config


def _yaml_value(key: str, value: object) -> object:
    if key == "size":  # one side in the YAML (square frames), [height, width] in the codec
        return (value, value)
    return tuple(value) if isinstance(value, list) else value


def test_every_codec_default_equals_the_training_default_of_the_same_key():
    yaml = default_config()
    shared = [f for f in dataclasses.fields(CodecConfig) if f.name in yaml]
    # The keys a training run sets (all but channels, history and reference, which follow
    # from the data, the heads and the mode).
    assert {f.name for f in shared} >= {"size", "levels", "iframe_bits", "pframe_bits",
                                        "motion_bits", "width", "noise_dims", "scale_levels",
                                        "scale_sigma", "iframe_head", "heads"}  # fmt: skip
    for field in shared:
        assert field.default == _yaml_value(field.name, yaml[field.name]), field.name


def test_the_default_training_run_builds_the_default_codec():
    from seqrdp.train.config import build_config, codec_config

    assert codec_config(build_config("universal")) == CodecConfig()


def test_a_stored_config_without_a_newer_key_keeps_the_meaning_it_was_written_with():
    # Models written before iframe_head existed decode frame 1 with each head's own refiner.
    assert LEGACY_VALUES == {"iframe_head": "refine"}
    stored = CodecConfig(iframe_head="patch").to_dict()
    del stored["iframe_head"]
    assert CodecConfig.from_dict(stored).iframe_head == "refine"
