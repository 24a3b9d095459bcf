"""Figures and CSV tables that retell the paper's Gauss–Markov study.

1. ``error_permanence``: ``D_2`` against ``R_1`` at a large ``R_2`` for every PLF at ``P = 0``.
2. ``distortion_vs_rate``: ``D_j`` against an equal rate per frame, ``T = 3``, one panel a frame.
3. ``universality_gap``: universal minus optimal ``D_j`` per PLF and frame, both computed by the
   independent test-channel solver (:mod:`seqrdp.theory.solver`), next to the calculator.

Matplotlib is imported only when figures are drawn.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqrdp.plfs import FMD, HEADS, JD, MMSE_HEAD, SA
from seqrdp.theory.calculator import distortion_per_frame
from seqrdp.theory.solver import FEASIBILITY_TOLERANCE, solve_test_channels
from seqrdp.theory.source import GaussMarkovSource

RHO = 0.9
LABELS = {
    MMSE_HEAD: f"{MMSE_HEAD} (no perception constraint)",
    FMD: f"{FMD} (each frame looks real)",
    JD: f"{JD} (the clip so far looks real)",
    SA: f"{SA} (self-adaptive)",
}
STYLES = {MMSE_HEAD: "k--", FMD: "C0-", JD: "C3-", SA: "C2-."}


@dataclass(frozen=True)
class Figure:
    """One figure: a name (file stem) and a function that writes ``name.png`` and ``name.csv``."""

    name: str
    draw: Callable[[Path], None]


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_error_permanence(stem: Path, rate_2: float = 3.0) -> None:
    """``D_2`` vs ``R_1`` at ``R_2 = rate_2``, ``P = 0``: jd cannot recover from a poor frame 1."""
    source = GaussMarkovSource([RHO])
    rate_1 = np.linspace(0.0, 2.0, 41)
    d2 = {
        plf: np.array([distortion_per_frame(source, [r, rate_2], 0.0, plf)[1] for r in rate_1])
        for plf in HEADS
    }
    _write_csv(
        stem.with_suffix(".csv"),
        ["rate_1_bits", *(f"distortion_2_{plf}" for plf in HEADS)],
        [[r, *(d2[plf][i] for plf in HEADS)] for i, r in enumerate(rate_1)],
    )
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for plf in HEADS:
        ax.plot(rate_1, d2[plf], STYLES[plf], label=LABELS[plf])
    ax.set_xlabel("first-frame rate $R_1$ (bits/sample)")
    ax.set_ylabel("second-frame distortion $D_2$ (MSE per sample)")
    ax.set_title(
        f"Error permanence: $D_2$ vs $R_1$ with $R_2$ = {rate_2:g} bits/sample\n"
        f"Gauss–Markov, ρ = {RHO}, unit variance, perfect realism P = 0"
    )
    # Log scale: jd sits two orders of magnitude above the others at small R_1.
    ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(stem.with_suffix(".png"), dpi=120)
    plt.close(fig)


def draw_distortion_vs_rate(stem: Path, frames: int = 3) -> None:
    """``D_j`` vs an equal rate ``R`` per frame, one panel per frame, ``P = 0``."""
    source = GaussMarkovSource([RHO] * (frames - 1))
    rate = np.linspace(0.0, 2.0, 41)
    d = {
        plf: np.array([distortion_per_frame(source, [r] * frames, 0.0, plf) for r in rate])
        for plf in HEADS
    }
    _write_csv(
        stem.with_suffix(".csv"),
        ["rate_bits", *(f"distortion_{j}_{plf}" for plf in HEADS for j in range(1, frames + 1))],
        [[r, *(d[plf][i, j] for plf in HEADS for j in range(frames))] for i, r in enumerate(rate)],
    )
    plt = _pyplot()
    fig, axes = plt.subplots(1, frames, figsize=(4.0 * frames, 4.0), sharey=True)
    for j, ax in enumerate(axes):
        for plf in HEADS:
            ax.plot(rate, d[plf][:, j], STYLES[plf], label=LABELS[plf])
        ax.set_title(f"frame {j + 1}")
        ax.set_xlabel("rate per frame $R$ (bits/sample)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("distortion $D_j$ (MSE per sample)")
    axes[0].legend()
    fig.suptitle(
        f"Per-frame distortion at equal rates $R_1 = … = R_{frames} = R$ "
        f"(Gauss–Markov, ρ = {RHO}, perfect realism P = 0)"
    )
    fig.tight_layout()
    fig.savefig(stem.with_suffix(".png"), dpi=120)
    plt.close(fig)


def draw_universality_gap(
    stem: Path,
    rates: Sequence[float] = (0.05, 1.0, 1.0),
    budgets: Sequence[Sequence[float]] = ((0.0, 0.0, 0.0), (0.02, 0.05, 0.1)),
) -> None:
    """Universal minus optimal ``D_j`` per PLF and frame, by the independent solver.

    The default finite budgets grow with ``j``: jd's loss on frames ``1 … j`` cannot shrink, so a
    constant budget leaves it no room after frame 1 (a single feasible point, hard for SLSQP).
    """
    source = GaussMarkovSource([RHO] * (len(rates) - 1))
    rows = []
    for budget in budgets:
        label = ", ".join(f"{p:g}" for p in budget)
        for plf in HEADS:
            calculator = distortion_per_frame(source, rates, budget, plf)
            optimal = solve_test_channels(source, rates, budget, plf, "optimal").distortion
            universal = solve_test_channels(source, rates, budget, plf, "universal").distortion
            for j in range(len(rates)):
                gap = universal[j] - optimal[j]
                rows.append([label, plf, j + 1, calculator[j], optimal[j], universal[j], gap])
    _write_csv(
        stem.with_suffix(".csv"),
        ["perception", "plf", "frame", "calculator", "solver_optimal", "solver_universal", "gap"],
        rows,
    )
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(budgets), figsize=(5.2 * len(budgets), 4.2), sharey=True)
    axes = np.atleast_1d(axes)
    width = 0.8 / len(rates)
    floor = 1e-12
    for ax, budget in zip(axes, budgets, strict=True):
        label = ", ".join(f"{p:g}" for p in budget)
        for j in range(len(rates)):
            gaps = [abs(r[6]) for r in rows if r[0] == label and r[2] == j + 1]
            ax.bar(
                np.arange(len(HEADS)) + (j - (len(rates) - 1) / 2) * width,
                np.maximum(gaps, floor),
                width,
                label=f"frame {j + 1}",
            )
        ax.axhline(FEASIBILITY_TOLERANCE, color="k", ls=":", label="solver tolerance")
        ax.set_yscale("log")
        ax.set_ylim(floor / 2, 1e-2)
        ax.set_xticks(range(len(HEADS)), HEADS)
        ax.set_xlabel("perception loss function")
        ax.set_title(f"perception budgets P = {label} (squared W2)")
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("|D universal − D optimal| (MSE per sample)")
    axes[0].legend(loc="upper right")
    fig.suptitle(
        "Universality: MMSE representations + PLF decoder vs encoder designed for the PLF\n"
        f"test-channel solver, ρ = {RHO}, rates {', '.join(f'{r:g}' for r in rates)} "
        "bits/sample (calculator: gap = 0 exactly)"
    )
    fig.tight_layout()
    fig.savefig(stem.with_suffix(".png"), dpi=120)
    plt.close(fig)


FIGURES = (
    Figure("error_permanence", draw_error_permanence),
    Figure("distortion_vs_rate", draw_distortion_vs_rate),
    Figure("universality_gap", draw_universality_gap),
)


def write_figures(out: str | Path, *, show_progress: bool | None = None) -> list[Path]:
    """Write every figure as ``NAME.png`` and ``NAME.csv`` under ``out``; return the paths.

    ``show_progress=None`` shows a progress bar on stderr when it is a terminal.
    """
    from seqrdp.progress import progress

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    disable = None if show_progress is None else not show_progress
    for figure in progress(FIGURES, total=len(FIGURES), desc="theory figures", disable=disable):
        stem = out / figure.name
        figure.draw(stem)
        written += [stem.with_suffix(".png"), stem.with_suffix(".csv")]
    return written
