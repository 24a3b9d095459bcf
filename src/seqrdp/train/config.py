"""Training configuration: the shipped ``default.yaml``, a user's ``--config`` file and flags,
merged in that order into one flat dict, then checked.

Every key of ``default.yaml`` is a flag (``iframe_bits`` → ``--iframe-bits``) whose help text is
the key's comment in the YAML file, so the file is the single list of settings. Two more keys
come from the subcommand: ``mode`` (``universal`` or ``end-to-end``) and ``plf`` (the
end-to-end head).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from seqrdp.bitstream import MAX_FRAMES
from seqrdp.devices import DEVICES
from seqrdp.errors import UsageError
from seqrdp.limits import MAX_THREADS
from seqrdp.plfs import MMSE_HEAD, PLFS

MODES = ("universal", "end-to-end")
SEED_MAX = 2**64 - 1
MAX_WIDTH = 2**16  # as the codec's width (CodecConfig)
_DEFAULT_FILE = "default.yaml"
_METAVARS = {int: "N", float: "X", str: "S"}


def _default_text() -> str:
    return (resources.files("seqrdp.train") / _DEFAULT_FILE).read_text(encoding="utf-8")


def default_config() -> dict[str, Any]:
    """The shipped defaults (``seqrdp/train/default.yaml``)."""
    return dict(yaml.safe_load(_default_text()))


def key_help() -> dict[str, str]:
    """Each key's comment in ``default.yaml`` (its flag's help text)."""
    found = {}
    for line in _default_text().splitlines():
        match = re.match(r"^(\w+):[^#]*#\s*(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def flag_name(key: str) -> str:
    return "--" + key.replace("_", "-")


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per default key, typed like its default; unset flags stay ``None``."""
    helps = key_help()
    for key, value in default_config().items():
        text = f"{helps.get(key, '')} (default: {_show(value)})"
        if isinstance(value, bool):
            parser.add_argument(
                flag_name(key), dest=key, action=argparse.BooleanOptionalAction, help=text
            )
        elif isinstance(value, list):
            kind = type(value[0]) if value else str
            parser.add_argument(
                flag_name(key), dest=key, nargs="+", type=kind, metavar=_METAVARS[kind], help=text
            )
        else:
            kind = type(value)
            parser.add_argument(
                flag_name(key), dest=key, type=kind, metavar=_METAVARS[kind], help=text
            )


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return repr(value) if value == "" else str(value)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A YAML mapping of config keys (a subset of the defaults)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(
            f"config file {path} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"config file {path} must be a mapping of keys to values")
    return data


def build_config(
    mode: str,
    *,
    plf: str | None = None,
    file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Defaults ← ``file`` ← ``overrides`` (``None`` values ignored), then :func:`check_config`
    and :func:`check_memory`."""
    config = default_config()
    layers = [read_config_file(file) if file else {}, dict(overrides or {})]
    if mode == "end-to-end" and any(layer.get("heads") is not None for layer in layers):
        raise ConfigError("heads", "end-to-end training sets heads from plf; leave heads unset")
    for layer in layers:
        for key, value in layer.items():
            if value is None:
                continue
            if key not in config:
                raise UsageError(f"unknown config key {key!r}")
            config[key] = value
    config["mode"] = mode
    config["plf"] = plf
    config = check_config(config)
    check_memory(config)
    return config


def check_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Check types and ranges; returns the normalised config (end-to-end: ``heads = [plf]``)."""
    defaults = default_config()
    config = dict(config)
    for key, default in defaults.items():
        if key not in config:
            raise UsageError(f"config key {key!r} is missing")
        config[key] = _coerce(key, config[key], default)
        numbers = config[key] if isinstance(config[key], list) else [config[key]]
        if any(isinstance(x, float) and not math.isfinite(x) for x in numbers):
            raise ConfigError(key, f"{key} must be finite, got {config[key]}")
    unknown = sorted(set(config) - set(defaults) - {"mode", "plf"})
    if unknown:
        raise UsageError(f"unknown config key {unknown[0]!r}")
    if config["mode"] not in MODES:
        raise UsageError(f"mode {config['mode']!r} is not one of {list(MODES)}")
    if config["mode"] == "end-to-end":
        if config.get("plf") not in PLFS:
            raise ConfigError("plf", f"end-to-end training needs a plf, one of {list(PLFS)}")
        config["heads"] = [config["plf"]]
    else:
        config["plf"] = None
    for key in ("frames", "batch", "n_critic", "log_every", "checkpoint_every", "critic_width"):
        if config[key] < 1:
            raise ConfigError(key, f"{key} must be at least 1, got {config[key]}")
    counts = ("mse_steps", "iframe_steps", "perception_steps", "validation", "threads")
    for key in (*counts, "digits", "seed", "critic_minibatch_std", "critic_warmup"):
        if config[key] < 0:
            raise ConfigError(key, f"{key} must be non-negative, got {config[key]}")
    for key in ("lr", "perception_lr", "critic_lr"):
        if not config[key] > 0:
            raise ConfigError(key, f"{key} must be positive, got {config[key]}")
    for key in (
        "gp_weight",
        "lambda_mse",
        "lambda_perc",
        "lambda_diversity",
        "lambda_info",
        "clip_norm",
    ):
        if config[key] < 0:
            raise ConfigError(key, f"{key} must be non-negative, got {config[key]}")
    if not config["lr_decay"] >= 1:
        raise ConfigError("lr_decay", f"lr_decay must be at least 1, got {config['lr_decay']}")
    group = config["critic_minibatch_std"]
    if group and config["batch"] % group:
        raise ConfigError(
            "critic_minibatch_std",
            f"critic_minibatch_std {group} must divide the batch ({config['batch']} clips)",
        )
    if config["iframe_categories"] and config["codec"] == "vector":
        raise ConfigError("iframe_categories", "iframe_categories needs the conv codec")
    if config["critic_align"] and config["codec"] == "vector":
        raise ConfigError("critic_align", "critic_align moves frames: it needs the conv codec")
    if config["lambda_info"] and not config["iframe_categories"]:
        raise ConfigError("lambda_info", "lambda_info needs iframe_categories (a code to read)")
    if config["init_heads"] and not config["init"]:
        raise ConfigError("init_heads", "init_heads needs init (the core the heads go on)")
    if config["seed"] > SEED_MAX:
        raise ConfigError("seed", f"seed must be below 2**64, got {config['seed']}")
    if config["threads"] > MAX_THREADS:
        raise ConfigError("threads", f"threads must be at most {MAX_THREADS}")
    if config["critic_width"] > MAX_WIDTH:
        raise ConfigError("critic_width", f"critic_width must be at most {MAX_WIDTH}")
    if config["frames"] > MAX_FRAMES:
        raise ConfigError("frames", f"frames must be at most {MAX_FRAMES} (what a stream holds)")
    if len(config["betas"]) != 2 or not all(0 <= b < 1 for b in config["betas"]):
        raise ConfigError("betas", f"betas must be two numbers in [0, 1), got {config['betas']}")
    from seqrdp.train.objectives import CRITIC_LOSSES

    if config["critic_loss"] not in CRITIC_LOSSES:
        raise UsageError(
            f"critic_loss {config['critic_loss']!r} is not one of {list(CRITIC_LOSSES)}"
        )
    if config["device"] not in DEVICES:
        raise UsageError(f"device {config['device']!r} is not one of {list(DEVICES)}")
    if config["mode"] == "universal" and not config["heads"] and config["perception_steps"]:
        raise ConfigError("heads", "universal perception training needs at least one head")
    codec_config(config)  # rates, size and heads are checked by the codec itself
    return config


class ConfigError(UsageError):
    """A config value out of range; ``key`` names it, so that the CLI can name its flag."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def check_memory(config: Mapping[str, Any]) -> None:
    """Refuse a checked config whose training cannot fit in this machine's memory, before
    anything is allocated.

    A lower bound, so that no config that fits is refused: 16 bytes per parameter (weights,
    gradients, two Adam moments) of the codec, counted exactly on the meta device, and of the
    critics (one per head and frame, each at least the one-frame critic); plus 4 bytes
    per sample of the validation clips and of a batch with one reconstruction per head.
    """
    import torch

    from seqrdp.codec.config import CodecConfig
    from seqrdp.limits import check_fits

    vector = config.get("codec") == "vector"
    channels = config["dims"] if vector else 1
    shape = codec_config(config, channels)
    with torch.device("meta"):
        if isinstance(shape, CodecConfig):
            from seqrdp.codec.model import SequentialCodec

            codec = SequentialCodec(shape)
        else:  # the vector codec's config
            from seqrdp.codec.vector import VectorCodec

            codec = VectorCodec(shape)
        critic = None
        if not vector and config["heads"]:  # the loop builds them even for 0 steps
            from seqrdp.perception.critics import Critic

            critic = Critic(1, channels, config["critic_width"], config["size"])
    parameters = sum(p.numel() for p in codec.parameters())
    if critic is not None:
        critics = len(config["heads"]) * config["frames"]
        parameters += critics * sum(p.numel() for p in critic.parameters())
    frame = config["dims"] if vector else config["size"] ** 2
    clips = config["validation"] + config["batch"] * (2 + len(config["heads"]))
    check_fits([16 * parameters + 4 * clips * config["frames"] * frame], 1, "training")


def _coerce(key: str, value: Any, default: Any) -> Any:
    def fail() -> UsageError:
        return UsageError(f"config key {key!r} must be like {default!r}, got {value!r}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise fail()
        return value
    if isinstance(default, list):
        if not isinstance(value, list | tuple):
            raise fail()
        kind = type(default[0]) if default else str
        return [_coerce(key, v, kind()) for v in value]
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail()
        return float(value)
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail()
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise fail()
        return value
    return value


def codec_config(config: Mapping[str, Any], channels: int = 1):
    """The :class:`~seqrdp.codec.config.CodecConfig` a training config describes, for frames
    of ``channels`` colour channels (the data decides: 1 grey, 3 RGB); with ``codec: vector``
    the :class:`~seqrdp.codec.vector.VectorCodecConfig` for frames of ``dims`` samples."""
    from seqrdp.codec.config import CodecConfig

    if config["codec"] == "vector":
        from seqrdp.codec.vector import VectorCodecConfig

        return VectorCodecConfig(
            dims=config["dims"],
            levels=config["levels"],
            iframe_bits=config["iframe_bits"],
            pframe_bits=config["pframe_bits"],
            width=config["width"],
            noise_dims=config["noise_dims"],
            heads=tuple(config["heads"]),
            reference=config["plf"] if config["mode"] == "end-to-end" else MMSE_HEAD,
        )
    if config["codec"] != "conv":
        raise UsageError(f"codec {config['codec']!r} is not one of ['conv', 'vector']")

    return CodecConfig(
        size=(config["size"], config["size"]),
        channels=channels,
        levels=config["levels"],
        iframe_bits=config["iframe_bits"],
        pframe_bits=config["pframe_bits"],
        motion_bits=config["motion_bits"],
        width=config["width"],
        noise_dims=config["noise_dims"],
        scale_levels=config["scale_levels"],
        scale_sigma=config["scale_sigma"],
        iframe_head=config["iframe_head"],
        iframe_categories=config["iframe_categories"],
        heads=tuple(config["heads"]),
        history_align=config["history_align"],
        history_base=tuple(config["history_base"]),
        history_step=float(config["history_step"]),
        reference=config["plf"] if config["mode"] == "end-to-end" else MMSE_HEAD,
    )
