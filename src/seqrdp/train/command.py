"""``seqrdp train universal`` and ``seqrdp train end-to-end --plf P``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

DESCRIPTION = """\
Train the learned sequential codec on a 2-stage schedule.

Modes:
  universal     stage 1 (--mse-steps): encoders and MMSE decoders on MSE; stage 2
                (--perception-steps): encoders and MMSE decoders frozen, one perception head
                per PLF (--heads {heads}) trained with lambda_mse*MSE + lambda_perc*critic
                loss. Any head decodes the same bits: the PLF is chosen at the decoder.
  end-to-end    the whole model trained for one PLF (--plf): stage 1 warm-starts it on MSE of
                head P, stage 2 adds the critic loss. The P-frame reference is head P's own
                previous output.

Rates are exact and fixed: every latent dimension costs log2(--levels) bits, so frame 1 costs
--iframe-bits and every later frame --pframe-bits, of which --motion-bits go to motion (each a
multiple of log2 L). The paper's low-rate point is the default ({iframe_bits} bits for frame 1,
{pframe_bits} for the rest, L = {levels}); try --iframe-bits 16 or 64 for better first frames.

Settings come from the shipped default.yaml, then --config FILE, then flags. The run directory
--out holds model.safetensors, model.json, state.safetensors, log.csv, tb/ and samples.png;
rerunning the same command continues from the last checkpoint. Under torchrun every process
trains on different clips and gradients are averaged."""
_DESCRIBED = ("iframe_bits", "pframe_bits", "levels")  # defaults the description quotes


def register(subparsers: Any) -> None:
    from seqrdp.cli_args import add_json
    from seqrdp.plfs import PLFS
    from seqrdp.train.config import add_config_flags, default_config

    defaults = default_config()
    description = DESCRIPTION.format(
        heads=" ".join(defaults["heads"]), **{k: defaults[k] for k in _DESCRIBED}
    )
    parser = subparsers.add_parser(
        "train",
        help="train the learned codec (universal or end-to-end for one PLF)",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    modes = parser.add_subparsers(dest="mode", metavar="MODE", parser_class=type(parser))
    modes.required = True
    helps = {
        "universal": "MSE encoder, then one perception head per PLF on the frozen encoder",
        "end-to-end": "encoder and decoder trained together for one PLF (--plf)",
    }
    for mode, text in helps.items():
        sub = modes.add_parser(
            mode, help=text, description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        if mode == "end-to-end":
            sub.add_argument("--plf", required=True, choices=PLFS,
                             help="perception loss function the model is trained for")  # fmt: skip
        sub.add_argument("--config", metavar="FILE", help="YAML file of settings (keys as below)")
        sub.add_argument("--out", metavar="DIR", help="run directory (default runs/<mode>[-<plf>])")
        add_json(sub, "the run's metadata as JSON")
        add_config_flags(sub)
        sub.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from seqrdp.errors import UsageError
    from seqrdp.outputs import check_output
    from seqrdp.train.config import ConfigError, build_config, default_config, flag_name
    from seqrdp.train.loop import train

    overrides = {key: getattr(args, key) for key in default_config()}
    try:
        config = build_config(args.mode, plf=getattr(args, "plf", None), file=args.config,
                              overrides=overrides)  # fmt: skip
    except ConfigError as exc:  # the library names the setting; here it is a flag
        raise UsageError(f"{flag_name(exc.key)}: {exc}") from None
    out = args.out
    if out is None:
        out = f"runs/{args.mode}" + (f"-{config['plf']}" if config["plf"] else "")
    check_output(out, directory=True)
    _, meta = train(config, out)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun, rank 0 reports for the run
    if args.json:
        print(json.dumps(meta))
    else:
        validation = meta.get("metrics", {}).get("validation", {}).get("mse", {})
        summary = ", ".join(f"{h} {sum(v) / len(v):.4f}" for h, v in validation.items())
        print(f"{out}: {meta['steps']} steps in {meta['training_seconds']:.0f} s"
              + (f"; validation MSE {summary}" if summary else ""), file=sys.stderr)  # fmt: skip
    return 0
