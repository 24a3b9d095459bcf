"""Training configuration: defaults ← file ← flags, every key a flag, clear errors."""

import argparse

import pytest

from seqrdp.errors import UsageError
from seqrdp.train.config import (
    ConfigError,
    add_config_flags,
    build_config,
    codec_config,
    default_config,
    key_help,
)


def test_every_default_key_has_a_flag_with_help():
    parser = argparse.ArgumentParser()
    add_config_flags(parser)
    helps = key_help()
    for key in default_config():
        assert helps.get(key), key
        flag = "--" + key.replace("_", "-")
        assert any(flag in action.option_strings for action in parser._actions), flag


def test_flags_parse_to_the_default_types():
    parser = argparse.ArgumentParser()
    add_config_flags(parser)
    args = parser.parse_args(
        ["--iframe-bits", "16", "--lambda-perc", "0.5", "--heads", "jd", "sa",
         "--betas", "0", "0.9", "--no-tensorboard"]
    )  # fmt: skip
    assert args.iframe_bits == 16
    assert args.lambda_perc == 0.5
    assert args.heads == ["jd", "sa"]
    assert args.betas == [0.0, 0.9]
    assert args.tensorboard is False
    assert args.pframe_bits is None  # unset flags do not override the file


def test_flags_override_the_file_which_overrides_the_defaults(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("iframe_bits: 16\npframe_bits: 128\nbatch: 8\n")
    config = build_config("universal", file=path, overrides={"batch": 4, "pframe_bits": None})
    assert config["iframe_bits"] == 16  # file
    assert config["pframe_bits"] == 128  # file (flag unset)
    assert config["batch"] == 4  # flag
    assert config["levels"] == default_config()["levels"]  # default


def test_rates_become_latent_dimensions():
    rates = {"levels": 16, "iframe_bits": 8, "pframe_bits": 64, "motion_bits": 24}
    config = build_config("universal", overrides=rates)
    codec = codec_config(config)
    assert (codec.iframe_dims, codec.motion_dims, codec.residual_dims) == (2, 6, 10)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iframe_bits": 3}, "iframe_bits 3"),
        ({"pframe_bits": 31}, "pframe_bits 31"),
        ({"motion_bits": 80}, "motion_bits 80 exceeds"),
        ({"levels": 5}, "levels 5"),
        ({"size": 40}, "size 40x40"),
        ({"batch": 0}, "batch"),
        ({"heads": ["fmd", "xx"]}, "xx"),
        ({"betas": [0.5]}, "betas"),
        ({"clip_norm": -1.0}, "clip_norm"),
        ({"device": "tpu"}, "device"),
        ({"nonsense": 1}, "nonsense"),
    ],
)
def test_bad_settings_are_one_line_usage_errors_naming_the_key(overrides, message):
    with pytest.raises(UsageError, match=message) as info:
        build_config("universal", overrides=overrides)
    assert "\n" not in str(info.value)


def test_end_to_end_needs_a_plf_and_trains_only_its_head():
    with pytest.raises(ConfigError, match="plf") as info:
        build_config("end-to-end")
    assert info.value.key == "plf"  # the CLI names the flag, --plf
    config = build_config("end-to-end", plf="jd")
    assert config["heads"] == ["jd"]
    with pytest.raises(ConfigError, match="plf") as info:
        build_config("end-to-end", plf="jd", overrides={"heads": ["fmd"]})
    assert info.value.key == "heads"
    assert codec_config(config).reference == "jd"
    assert codec_config(build_config("universal")).reference == "mse"


def test_config_file_errors_name_the_file(tmp_path):
    with pytest.raises(UsageError, match=r"missing\.yaml"):
        build_config("universal", file=tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("iframe_bits: [1, 2\n")
    with pytest.raises(UsageError, match=r"bad\.yaml"):
        build_config("universal", file=bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("iframe_bits: sixteen\n")
    with pytest.raises(UsageError, match="iframe_bits"):
        build_config("universal", file=wrong)


def test_default_operating_point_is_the_papers_low_rate_regime():
    config = default_config()
    assert config["iframe_bits"] <= 4 and config["pframe_bits"] >= 32
