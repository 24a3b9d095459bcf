"""Train the digit-identity classifier that ``seqrdp evaluate`` ships and uses.

Reproduces ``src/seqrdp/models/mnist_classifier.safetensors`` (+ ``.json``) on one CPU thread:

    .venv/bin/python scripts/train_classifier.py

It trains :class:`seqrdp.evaluate.classifier.DigitClassifier` on Moving MNIST frames drawn
from the TRAIN digit split, then measures its accuracy on frames drawn from the disjoint TEST
split and records it, with the architecture, steps, seed and training time, in the JSON file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from seqrdp.evaluate.classifier import digit_accuracy, save_classifier, train_classifier

SHIPPED = Path(__file__).resolve().parents[1] / "src/seqrdp/models/mnist_classifier.safetensors"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000, help="Adam steps (default 3000)")
    parser.add_argument("--batch-size", type=int, default=64, help="clips per step (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument(
        "--test-sequences",
        type=int,
        default=1000,
        help="test-split clips (4 frames each) for the accuracy (default 1000)",
    )
    parser.add_argument(
        "--out", type=Path, default=SHIPPED, help=f"weights file (default {SHIPPED})"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    classifier, metadata = train_classifier(
        steps=args.steps, batch_size=args.batch_size, seed=args.seed
    )
    accuracy = digit_accuracy(classifier, split="test", sequences=args.test_sequences)
    metadata.update(
        test_accuracy=round(accuracy, 4),
        test_frames=args.test_sequences * 4,
        data="Moving MNIST 64x64, one digit; train/test digit splits of seqrdp.data.mnist",
        torch=torch.__version__,
    )
    save_classifier(classifier, args.out, metadata)
    print(f"test accuracy {accuracy:.4f} after {args.steps} steps; wrote {args.out}")


if __name__ == "__main__":
    main()
