"""The content of the demo report: which numbers, figures and words go on the page."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np

from seqrdp.evaluate.report import (
    HEAD_LABELS,
    Section,
    image_grid_png,
    ladder_plot_png,
    per_frame_plot_png,
    render_report,
)
from seqrdp.plfs import FMD, JD, PLFS

GRID_SEQUENCES = 4


def permanence_examples(digits: dict[str, Any], count: int = GRID_SEQUENCES) -> list[int]:
    """Sequences that show error permanence best: ``jd``'s frame 1 shows a wrong digit that
    ``jd`` keeps afterwards while ``fmd`` shows the source digit in later frames. Ranked by how
    many of those conditions hold, then by index; always ``count`` sequences (or all)."""
    source = np.asarray(digits["source"])
    n = len(source)
    if JD not in digits or FMD not in digits:
        return list(range(min(count, n)))
    jd = np.asarray(digits[JD])
    fmd = np.asarray(digits[FMD])
    wrong_first = jd[:, 0] != source
    kept = (jd[:, 1:] == jd[:, :1]).all(axis=1)
    recovered = (fmd[:, 1:] == source[:, None]).all(axis=1)
    score = wrong_first.astype(int) + kept + recovered
    order = sorted(range(n), key=lambda i: (-score[i], i))
    return order[: min(count, n)]


def _percentages(values: Any) -> str:
    if values is None:
        return "n/a"
    return ", ".join(f"{100 * v:.1f} %" for v in values)


def _per_frame_rows(results: dict[str, Any], key: str) -> list[list[Any]]:
    return [
        [HEAD_LABELS.get(head, head), *metrics[key]] for head, metrics in results["heads"].items()
    ]


def build_page(
    *,
    info,
    results: dict[str, Any],
    data,
    decoded: dict[str, list[np.ndarray]],
    digits: dict[str, Any],
    theory_figures: list[Path],
    header,
    stream_sizes: list[int],
    seed: int,
    critic_steps: int,
    data_path: Path,
    ladder: list[dict[str, Any]] | None = None,
) -> str:
    """The report's HTML; ``ladder`` is :func:`seqrdp.evaluate.record.ladder_points` of the
    shipped models."""
    heads = list(results["heads"])
    frames = results["data"]["frames"]
    frame_cols = [f"frame {t}" for t in range(1, frames + 1)]
    bits = list(header.frame_bits)
    sections = []

    theory = Section("1. Theory: Gauss–Markov source")
    theory.text(
        "Exact rate–distortion–perception tradeoff of a unit-variance Gauss–Markov source "
        "(ρ = 0.9) under perfect realism, computed by <code>seqrdp theory</code>."
    )
    for path in theory_figures:
        if path.suffix == ".png":
            theory.figure(path.read_bytes(), html.escape(path.stem.replace("_", " ")), path.stem)
    sections.append(theory)

    grid = Section("2. What each PLF decodes from the same bits")
    chosen = permanence_examples(digits)
    grid.text(
        f"Each block is one test sequence (digits never seen in training), coded with "
        f"{' + '.join(map(str, bits))} bits and decoded by every head from the very same "
        f"<code>.srdp</code> file. Sequences were picked to show error "
        f"permanence where it occurs: <code>jd</code>'s first frame is wrong and stays "
        f"wrong, <code>fmd</code> recovers."
    )
    blocks = []
    for i in chosen:
        videos = [data.videos[i], *(decoded[head][i] for head in heads)]
        labels = [f"{int(digits['source'][i])}"]
        labels += [f"{np.asarray(digits[h][i])[0]}→{np.asarray(digits[h][i])[-1]}" for h in heads]
        blocks.append((f"seq {i}: " + ", ".join(labels[:1]), videos))
    grid.figure(
        image_grid_png(["source", *heads], blocks),
        "Rows: the source, then each head decoding the same bits. Block titles give the "
        "source digit; the tables below give the classifier's verdicts.",
        "reconstructions by every head",
    )
    sections.append(grid)

    distortion = Section("3. Distortion per frame")
    distortion.figure(
        per_frame_plot_png(results["heads"], "mse", "MSE per pixel (pixels in [0, 1])",
                           f"{results['data']['sequences']} test sequences"),
        "Mean squared error of each head, frame by frame.", "MSE per frame",
    )  # fmt: skip
    distortion.table(["head (MSE)", *frame_cols], _per_frame_rows(results, "mse"))
    distortion.table(["head (PSNR, dB)", *frame_cols], _per_frame_rows(results, "psnr"))
    sections.append(distortion)

    identity = Section("4. Digit identity: error permanence")
    identity.text(
        "Fraction of sequences whose decoded frame t shows (a) the source digit and (b) the "
        "digit of decoded frame 1, according to the shipped MNIST classifier (accuracy on "
        f"clean source frames: {_percentages(results['data']['identity_source'])})."
    )
    identity.table(
        ["(a) same digit as source", *frame_cols], _per_frame_rows(results, "identity_source")
    )
    identity.table(
        ["(b) same digit as frame 1", *frame_cols], _per_frame_rows(results, "identity_first")
    )
    if ladder:
        identity.figure(
            ladder_plot_png(ladder),
            "The rate ladder: every shipped universal model, from its recorded metrics "
            "(128 fixed test sequences), averaged over frames 2..T. Error permanence is "
            "<code>jd</code> keeping frame 1's digit (left) instead of the source's (right) "
            "at a low frame-1 rate.",
            "identity against the frame-1 rate",
        )
        ladder_heads = list(dict.fromkeys(h for p in ladder for h in p["heads"]))

        def first_source(point: dict[str, Any], head: str) -> str:
            v = point["heads"].get(head)
            return f"{v['identity_first']:.0%} / {v['identity_source']:.0%}" if v else "–"

        identity.table(
            ["model", "R1 bits", "R2 bits", *(f"{h}: first / source" for h in ladder_heads)],
            [
                [p["name"], p["iframe_bits"], p["pframe_bits"],
                 *(first_source(p, h) for h in ladder_heads)]
                for p in ladder
            ],
        )  # fmt: skip
    sections.append(identity)

    realism = Section("5. Realism")
    realism.table(["Fréchet distance (classifier features)", *frame_cols],
                  _per_frame_rows(results, "frechet"), digits=3)  # fmt: skip
    if critic_steps:
        for plf in PLFS:
            rows = [
                [HEAD_LABELS.get(h, h), *results["heads"][h]["wasserstein"][plf]] for h in heads
            ]
            realism.table([f"Wasserstein estimate under {plf}", *frame_cols], rows, digits=3)
        realism.text(
            f"Estimates from fresh WGAN-GP critics ({critic_steps} steps each) trained on half "
            "the sequences and scored on the other half; lower is more realistic. Compare "
            "heads with each other, not with zero."
        )
    sections.append(realism)

    universality = Section("6. Universality")
    uni = info.meta.get("universality")
    if uni:
        rows = [[r["plf"], r["universal_mse"], r["end_to_end_mse"], r["ratio"]] for r in uni]
        universality.table(["PLF", "universal head MSE", "end-to-end MSE", "ratio"], rows)
        universality.text(
            "Caution: the end-to-end codecs of these rows did not train well (the end-to-end "
            "fmd codec's frames show the source digit at chance level), so these ratios do "
            "not yet show universality; see the README."
        )
    universality.text(
        "This model is universal: its encoder was trained for MSE alone and frozen; each "
        "perception head was then trained on the frozen representation. All heads decode the "
        "same bits, so the PLF is chosen at the decoder."
    )
    sections.append(universality)

    rate = Section("7. Exact bits")
    rate.table(
        ["frame", "symbols", "levels", "bits"],
        [[t + 1, header.dims[t], header.levels[t], header.frame_bits[t]] for t in range(frames)],
    )
    rate.text(
        f"One {frames}-frame sequence: {header.nominal_bits} bits of symbols, a "
        f"{header.header_bytes}-byte header and a 4-byte checksum per frame: "
        f"{stream_sizes[0]} bytes on disk, exactly as the format specifies."
    )
    sections.append(rate)

    reproduce = Section("8. Reproduce these numbers")
    reproduce.code(
        f"seqrdp evaluate --checkpoint {info.name} --data {data_path} --seed {seed} "
        f"--critic-steps {critic_steps} --json"
    )
    sections.append(reproduce)

    intro = (
        f"Model <code>{html.escape(info.name)}</code> "
        f"({html.escape(str(info.meta.get('mode', 'universal')))}, trained on Moving MNIST), "
        f"{results['data']['sequences']} fresh test sequences of {frames} frames at "
        f"{' + '.join(map(str, bits))} bits. Paper: Salehkalaibar, Phan, Chen, Yu, Khisti, "
        "<i>On the Choice of Perception Loss Function for Learned Video Compression</i>, "
        "NeurIPS 2023."
    )
    return render_report("seqrdp demo: which perception loss?", intro, sections)
