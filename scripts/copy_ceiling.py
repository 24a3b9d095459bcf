"""How much error permanence a perfect copy of frame 1 could show: the ceiling of
``identity_first`` (docs/metrics.md) for a head's frame 1.

    .venv/bin/python scripts/copy_ceiling.py [--model NAME] [--head fmd] --data FILE.npy [--json]

It decodes frame 1 of the first ``--clips`` clips with one head, moves that decoded frame at
whole pixels as the real digit moves (by the source's centre-of-mass displacement from frame 1
to frame t), and asks the digit classifier whether it still reads the same digit. That is the
``identity_first`` of a ``jd`` decoder that copies frame 1 exactly and moves it like the source:
no head can keep frame 1's digit, as the classifier reads it, in more clips. The same number for
the source frames is the classifier's own consistency on real digits (near 1).

A frame 1 whose glyphs the classifier reads differently a few pixels away caps the permanence
any ``jd`` head can show, whatever its P-frames do.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import torch

from seqrdp.data.arrays import load_videoset
from seqrdp.data.dataset import frames_to_tensor
from seqrdp.errors import UsageError
from seqrdp.evaluate.classifier import classify_frames, load_classifier
from seqrdp.moves import centre_of_mass, translate
from seqrdp.zoo import load_model

Classify = Callable[[torch.Tensor], torch.Tensor]


def moved_like_source(first: torch.Tensor, video: torch.Tensor) -> torch.Tensor:
    """``first`` (N, C, H, W) moved at whole pixels by the centre-of-mass displacement of
    ``video`` (N, T, C, H, W) from frame 1 to each frame t: (N, T, C, H, W), frame 1 unmoved."""
    row1, col1 = centre_of_mass(video[:, 0])
    moved = []
    for t in range(video.shape[1]):
        row, col = centre_of_mass(video[:, t])
        moved.append(translate(first, row - row1, col - col1))
    return torch.stack(moved, dim=1)


def agreement(classify: Classify, first: torch.Tensor, video: torch.Tensor) -> list[float]:
    """Per frame t, the fraction of clips whose moved ``first`` is read as the same digit as
    ``first`` itself (1 at t = 1)."""
    digits = classify(moved_like_source(first, video))  # (N, T)
    return [float(x) for x in (digits == digits[:, :1]).float().mean(dim=0)]


def measure(model, head: str, video: torch.Tensor, seed: int, classify: Classify) -> dict:
    """The numbers of the module docstring for clips ``video`` (N, T ≥ 2, C, H, W)."""
    seeds = list(range(seed, seed + video.shape[0]))
    with torch.no_grad():
        decoded = model(video[:, :1], heads=[head], seeds=seeds)["reconstructions"][head]
    first = decoded[:, 0].float().clamp(0, 1)
    return {
        "clips": int(video.shape[0]),
        "head": head,
        "copy_identity_first": agreement(classify, first, video),
        "source_identity_first": agreement(classify, video[:, 0], video),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[2:]),
    )
    parser.add_argument("--model", default="mmnist-universal-i4-p64",
                        help="shipped model name or checkpoint (default: %(default)s)")  # fmt: skip
    parser.add_argument("--head", default="fmd",
                        help="head whose frame 1 is copied (default: %(default)s)")  # fmt: skip
    parser.add_argument("--data", required=True, help="dataset file of clips of 2+ frames")
    parser.add_argument("--clips", type=int, default=256, help="clips to code (default: 256)")
    parser.add_argument("--seed", type=int, default=0,
                        help="shared-randomness seed of clip 1, as in seqrdp evaluate "
                             "(default: 0)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    try:
        if args.clips < 1:
            raise UsageError(f"--clips must be at least 1, got {args.clips}")
        model, _ = load_model(args.model)
        if args.head not in model.head_names:
            raise UsageError(f"--head {args.head!r} is not one of the model's {model.head_names}")
        videos = load_videoset(args.data).videos[: args.clips]
        if videos.shape[1] < 2:
            raise UsageError(f"{args.data}: clips of {videos.shape[1]} frame; need 2 or more")
        torch.set_num_threads(1)
        classifier, _ = load_classifier()
        classifier.eval()

        def classify(frames: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return classify_frames(classifier, frames)[0]

        video = frames_to_tensor(videos, leading=2)
        result = measure(model, args.head, video, args.seed, classify)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    if args.json:
        print(json.dumps(result))
        return
    frames = " / ".join
    print(f"{result['clips']} clips, frame 1 of head {result['head']}, frames 2..T:")
    print("  copied and moved: same digit in "
          + frames(f"{x:.3f}" for x in result["copy_identity_first"][1:]))  # fmt: skip
    print("  source frame 1 moved: same digit in "
          + frames(f"{x:.3f}" for x in result["source_identity_first"][1:]))  # fmt: skip


if __name__ == "__main__":
    main()
