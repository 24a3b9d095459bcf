"""How well each way of moving frame 1 onto frame 2 keeps it: the measurement behind the
codec's ``history_align`` (docs/codec.md, "Heads").

    .venv/bin/python scripts/history_alignment.py [--model NAME] --data FILE.npy [--json]

It codes the first ``--clips`` clips of a dataset with the model's MMSE path and moves the
*real* frame 1 onto frame 2 three ways:

* ``field``: warped by frame 2's scale-space field (what a ``jd`` or ``sa`` head sees with
  ``history_align: field``);
* ``flow``: the same field's flow without its blur (scale 0);
* ``centre``: translated at whole pixels onto the MMSE frame 2's centre of mass
  (``history_align: centre``).

For each it prints the MSE to the real frame 2 and the edge energy (mean squared difference of
horizontally adjacent pixels) against the real frame 2's, and it prints the field's mean scale
(0 sharp, 1 the blurriest level). A way that keeps frame 1 has low MSE and frame 2's edge
energy.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from seqrdp.data.arrays import load_videoset
from seqrdp.data.dataset import frames_to_tensor
from seqrdp.errors import UsageError
from seqrdp.moves import move_to_centre
from seqrdp.zoo import load_model


def edge_energy(frames: torch.Tensor) -> float:
    """Mean squared difference of horizontally adjacent pixels."""
    return float(frames.diff(dim=-1).pow(2).mean())


def measure(model, video: torch.Tensor) -> dict[str, object]:
    """The numbers of the module docstring for clips ``video`` (N, T ≥ 2, C, H, W)."""
    pframe, caught = model.pframe, {}
    decode_field = pframe.decode_field

    def catch(motion, reference):  # frame 2's field is the first one decoded
        field = decode_field(motion, reference)
        caught.setdefault("field", field)
        return field

    pframe.decode_field = catch
    try:
        with torch.no_grad():
            seeds = list(range(video.shape[0]))  # the dither of a stream with these seeds
            mmse = model(video[:, :2], heads=["mse"], seeds=seeds)["reconstructions"]["mse"]
            mmse = mmse[:, 1]
    finally:
        pframe.decode_field = decode_field
    field, first, second = caught["field"], video[:, 0], video[:, 1]
    sharp = torch.cat([field[:, :2], torch.zeros_like(field[:, 2:])], dim=1)
    with torch.no_grad():
        moved = {
            "field": pframe.predict(first, field),
            "flow": pframe.predict(first, sharp),
            "centre": move_to_centre(first, mmse),
        }
    return {
        "clips": int(video.shape[0]),
        "field_scale_mean": float(field[:, 2].mean()),
        "frame2_edge_energy": edge_energy(second),
        "moved": {
            name: {"mse": float((x - second).pow(2).mean()), "edge_energy": edge_energy(x)}
            for name, x in moved.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[2:]),
    )
    parser.add_argument("--model", default="mmnist-universal-i4-p64",
                        help="shipped model name or checkpoint (default: %(default)s)")  # fmt: skip
    parser.add_argument("--data", required=True, help="dataset file of clips of 2+ frames")
    parser.add_argument("--clips", type=int, default=128, help="clips to code (default: 128)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    try:
        if args.clips < 1:
            raise UsageError(f"--clips must be at least 1, got {args.clips}")
        model, _ = load_model(args.model)
        videos = load_videoset(args.data).videos[: args.clips]
        if videos.shape[1] < 2:
            raise UsageError(f"{args.data}: clips of {videos.shape[1]} frame; need 2 or more")
        torch.set_num_threads(1)
        result = measure(model, frames_to_tensor(videos, leading=2))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['clips']} clips; frame 2's field: mean scale {result['field_scale_mean']:.2f}")
    print(f"real frame 2: edge energy {result['frame2_edge_energy']:.5f}")
    for name, row in result["moved"].items():
        print(
            f"frame 1 moved by {name:6}: MSE {row['mse']:.4f}, edge energy {row['edge_energy']:.5f}"
        )


if __name__ == "__main__":
    main()
