"""The learned codec against the exact bound: the training loop on the Gauss–Markov source,
measured with the theory's own quantities (``benchmarks/bench_bound.py``).

For each rate point the same loop as ``seqrdp train`` (:func:`seqrdp.train.loop.train`) trains
vector codecs (:mod:`seqrdp.codec.vector`) on ``d``-dimensional Gauss–Markov clips
(:mod:`seqrdp.train.gauss_markov`): an MSE core, the universal heads on it, and one
end-to-end codec per PLF warm-started from the same core. Each head then decodes fresh clips
from real symbols, and every (PLF, mode, frame) gets

* the **learned distortion** ``D_j``, MSE per sample;
* the **learned perception** ``P_j``: the squared 2-Wasserstein distance between Gaussian fits
  (mean and covariance) of the two laws the PLF compares
  (:func:`~seqrdp.perception.plf.critic_inputs`: ``X_j`` vs ``X̂_j`` for ``fmd``,
  ``X^j`` vs ``X̂^j`` for ``jd``, ``(X̂^{j−1}, X_j)`` vs ``X̂^j`` for ``sa``), per sample: the fit
  is taken per coordinate (the source's coordinates are i.i.d.) and averaged over the ``d``
  coordinates; ``learned_perception_whole`` fits whole ``k·d``-dimensional stacks instead (it
  also sees dependence between coordinates) and divides by ``d``;
* the **calculator's distortion** at that perception: :func:`seqrdp.theory.distortion_per_frame`
  at the learned budgets ``P_1 … P_T`` of that head (``inf`` for ``mse``).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seqrdp.errors import UsageError
from seqrdp.plfs import FMD, JD, MMSE_HEAD, PLFS, SA

SMALLEST = None  # the smallest rate the quantiser allows: one latent dimension per frame

# The grid (bits per sample per frame): T = 3, rho = 0.9.
GRID: tuple[tuple[float | None, ...], ...] = (
    (SMALLEST, 1.0, 1.0),
    (1.0, 1.0, 1.0),
    (2.0, 0.5, 0.5),
)

# Training settings of every run: the loop's config keys (see default.yaml).
RECIPE: dict[str, Any] = {
    "dims": 64,
    "rho": [0.9],
    "sigma1": 1.0,
    # Per grid point: two levels (1 bit per latent dimension) except at 2 bits/sample on frame
    # 1, where four levels measured better (frame-1 MSE 0.151 vs 0.241 with 128 binary latents).
    "levels": [2, 2, 4],
    "width": 128,
    "critic_width": 128,
    "noise_dims": 64,
    "batch": 256,
    "mse_steps": 1500,
    "iframe_steps": 300,
    "perception_steps": 600,
    "lr": 0.001,
    "perception_lr": 0.0005,
    "critic_lr": 0.001,
    "betas": [0.5, 0.9],
    "n_critic": 3,
    "gp_weight": 10.0,
    "lambda_mse": 1.0,
    "lambda_perc": 1.0,
    "clip_norm": 0.0,
    "seed": 0,
}
EVALUATION_CLIPS = 16384


@dataclass(frozen=True)
class RatePoint:
    """One grid point: rates in bits per sample and the bits per frame that realise them."""

    rates: tuple[float, ...]
    levels: int
    iframe_bits: int
    pframe_bits: int

    @property
    def label(self) -> str:
        return ", ".join(f"{r:.3g}" for r in self.rates)


def rate_point(rates: Sequence[float | None], dims: int, levels: int) -> RatePoint:
    """Bits per frame for ``rates`` (bits/sample; ``None``: the smallest, ``log2 L`` bits per
    frame); every P-frame must have the same rate, and each rate must be a whole number of
    latent dimensions."""
    per_dim = int(math.log2(levels))
    bits = []
    for r in rates:
        value = per_dim if r is None else r * dims
        if value <= 0 or abs(value - round(value)) > 1e-9 or round(value) % per_dim:
            raise UsageError(f"rate {r} bits/sample x {dims} dims is not a multiple of {per_dim}")
        bits.append(round(value))
    if len(set(bits[1:])) > 1:
        raise UsageError(f"P-frame rates {list(rates[1:])} differ; the codec has one P-frame rate")
    return RatePoint(
        tuple(b / dims for b in bits), levels, bits[0], bits[1] if len(bits) > 1 else 0
    )


def gaussian_fit(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (maximum likelihood) of samples (n, k)."""
    samples = np.asarray(samples, dtype=np.float64)
    mean = samples.mean(axis=0)
    centred = samples - mean
    return mean, centred.T @ centred / len(samples)


def fitted_w2_squared(real: np.ndarray, fake: np.ndarray) -> float:
    """``W2²`` between the Gaussian fits of two sample sets (n, k):
    ``‖μ_a − μ_b‖² + tr A + tr B − 2 tr (A^½ B A^½)^½``."""
    from seqrdp.theory import gaussian_w2_squared

    (mu_a, a), (mu_b, b) = gaussian_fit(real), gaussian_fit(fake)
    return float(np.sum((mu_a - mu_b) ** 2)) + gaussian_w2_squared(a, b)


def perception_per_sample(
    plf: str, source: np.ndarray, outputs: np.ndarray, t: int
) -> tuple[float, float]:
    """Learned perception of ``plf`` at frame ``t`` (1-based) from clips (N, T, d).

    Returns ``(per_coordinate, whole)``: the mean over coordinates of ``W2²`` between the
    per-coordinate ``k``-frame Gaussian fits, and ``W2²`` between the ``k·d``-dimensional fits
    divided by ``d`` (squared W2 per sample, like the calculator's budgets).
    """
    import torch

    from seqrdp.perception.plf import critic_inputs

    n, _, d = source.shape
    real, fake = critic_inputs(
        plf,
        torch.from_numpy(source)[..., None, None],
        torch.from_numpy(outputs)[..., None, None],
        t,
    )
    real = real.reshape(n, -1, d).double().numpy()
    fake = fake.reshape(n, -1, d).double().numpy()
    per_coordinate = np.mean([fitted_w2_squared(real[:, :, i], fake[:, :, i]) for i in range(d)])
    whole = fitted_w2_squared(real.reshape(n, -1), fake.reshape(n, -1)) / d
    return float(per_coordinate), float(whole)


def decode_clips(model, clips: np.ndarray, chunk: int = 4096) -> dict[str, np.ndarray]:
    """Every head's decoding of ``clips`` (N, T, d) from the symbols ``compress`` sends (shared
    randomness seeded 0..N−1): head → (N, T, d)."""
    import torch

    model.eval()
    decoded: dict[str, list[np.ndarray]] = {h: [] for h in model.head_names}
    for start in range(0, len(clips), chunk):
        video = torch.from_numpy(clips[start : start + chunk])[..., None, None]
        seeds = list(range(start, start + len(video)))
        symbols = model.compress(video, seeds)
        for head in model.head_names:
            frames = model.decompress(symbols, seeds, head=head)
            decoded[head].append(frames.flatten(2).numpy())
    return {h: np.concatenate(parts) for h, parts in decoded.items()}


def measure(
    model, clips: np.ndarray, point: RatePoint, source, heads: Iterable[str], mode: str
) -> list[dict[str, Any]]:
    """Rows (one per head and frame) of the learned distortion and perception and the
    calculator's distortion at that perception, for ``clips`` (N, T, d) of the
    :class:`~seqrdp.theory.GaussMarkovSource` ``source``; see the module docstring."""
    from seqrdp.theory import distortion_per_frame

    decoded = decode_clips(model, clips)
    frames = clips.shape[1]
    rows = []
    for head in heads:
        outputs = decoded[head]
        distortion = ((outputs - clips) ** 2).mean(axis=(0, 2))
        if head == MMSE_HEAD:
            perception = [(math.inf, math.inf)] * frames
        else:
            perception = [
                perception_per_sample(head, clips, outputs, t) for t in range(1, frames + 1)
            ]
        budgets = [p for p, _ in perception]
        calculator = distortion_per_frame(source, list(point.rates), budgets, head)
        for t in range(frames):
            p, whole = perception[t]
            rows.append(
                {
                    "plf": head,
                    "mode": mode,
                    "rates": list(point.rates),
                    "rho": list(source.rho),
                    "frame": t + 1,
                    "learned_distortion": float(distortion[t]),
                    "learned_perception": None if math.isinf(p) else p,
                    "learned_perception_whole": None if math.isinf(whole) else whole,
                    "calculator_distortion": float(calculator[t]),
                    "ratio": float(distortion[t] / calculator[t]),
                    "levels": point.levels,
                    "frame_bits": point.iframe_bits if t == 0 else point.pframe_bits,
                }
            )
    return rows


@dataclass(frozen=True)
class Job:
    """One training run of the grid: ``core`` (MSE stage), ``universal`` (heads on the core)
    or ``end-to-end`` for one PLF (warm-started from the core)."""

    point: RatePoint
    kind: str
    plf: str | None = None

    @property
    def name(self) -> str:
        tag = f"r{'-'.join(f'{r:.4g}' for r in self.point.rates)}"
        return f"{tag}-{self.kind}" + (f"-{self.plf}" if self.plf else "")


def job_config(job: Job, recipe: Mapping[str, Any], core_dir: Path) -> dict[str, Any]:
    """The loop's config of ``job`` (:func:`seqrdp.train.config.build_config`)."""
    from seqrdp.train.config import build_config

    overrides = {
        **recipe,
        "data": "gauss-markov",
        "codec": "vector",
        "frames": len(job.point.rates),
        "levels": job.point.levels,
        "iframe_bits": job.point.iframe_bits,
        "pframe_bits": job.point.pframe_bits,
        "validation": 0,
        "checkpoint_every": 10**9,
        "tensorboard": False,
        "threads": 1,
        "device": "cpu",
    }
    if job.kind == "core":
        return build_config(
            "universal", overrides={**overrides, "iframe_steps": 0, "perception_steps": 0}
        )
    overrides = {**overrides, "init": str(core_dir), "mse_steps": 0}
    if job.kind == "universal":
        return build_config("universal", overrides={**overrides, "heads": list(PLFS)})
    return build_config("end-to-end", plf=job.plf, overrides=overrides)


def run_job(
    job: Job, recipe: Mapping[str, Any], out: str, evaluation: int
) -> tuple[Job, list[dict[str, Any]], float]:
    """Train ``job`` in ``out/<name>`` and measure it; returns ``(job, rows, cpu_seconds)``.
    Top-level so that worker processes can run it."""
    from seqrdp.train.gauss_markov import GaussMarkovClips, gauss_markov_source
    from seqrdp.train.loop import train

    tic = time.process_time()
    root = Path(out)
    config = job_config(job, recipe, root / Job(job.point, "core").name)
    model, _ = train(config, root / job.name, progress=False)
    rows: list[dict[str, Any]] = []
    if job.kind != "core":
        clips = GaussMarkovClips(config).validation(evaluation).flatten(2).numpy()
        heads = (MMSE_HEAD, *PLFS) if job.kind == "universal" else (job.plf,)
        mode = "universal" if job.kind == "universal" else "end-to-end"
        rows = measure(model, clips, job.point, gauss_markov_source(config), heads, mode)
    seconds = time.process_time() - tic
    for row in rows:
        row["training_cpu_seconds"] = seconds
    return job, rows, seconds


def grid_jobs(points: Sequence[RatePoint]) -> tuple[list[Job], list[Job]]:
    """The cores (first phase) and everything warm-started from them (second phase)."""
    cores = [Job(p, "core") for p in points]
    heads = [Job(p, "universal") for p in points]
    heads += [Job(p, "end-to-end", plf) for p in points for plf in PLFS]
    return cores, heads


def two_worker_minutes(cores: Sequence[float], others: Sequence[float], workers: int = 2) -> float:
    """Wall time (minutes) of the two phases on ``workers`` one-thread workers, from each job's
    CPU seconds: longest job first onto the least loaded worker (greedy LPT), phase by phase."""
    total = 0.0
    for phase in (cores, others):
        loads = [0.0] * workers
        for seconds in sorted(phase, reverse=True):
            loads[loads.index(min(loads))] += seconds
        total += max(loads)
    return total / 60


def run_grid(
    grid: Sequence[Sequence[float | None]] = GRID,
    recipe: Mapping[str, Any] | None = None,
    *,
    workers: int = 2,
    evaluation: int = EVALUATION_CLIPS,
    out: str | Path | None = None,
    on_done: Callable[[Job], None] | None = None,
) -> dict[str, Any]:
    """Train and measure the whole grid.

    Parameters
    ----------
    grid
        Rate points, bits per sample per frame (``None``: the smallest rate).
    recipe
        Loop config keys for every run (default :data:`RECIPE`); ``levels`` may be a list,
        one per point.
    workers
        Processes running jobs at once (each with one torch thread); 1 runs in this process.
    evaluation
        Fresh clips each trained codec decodes for the measurements.
    out
        Directory for the runs (default: a temporary directory, removed afterwards).
    on_done
        Called with each finished job (a progress bar).

    Returns
    -------
    dict
        ``rows`` (see :func:`measure`; rows sorted by rates, mode, PLF, frame), ``jobs`` (name
        → CPU seconds), ``wall_seconds`` and ``two_worker_minutes`` (the LPT estimate).
    """
    recipe = {**RECIPE, **(recipe or {})}
    levels = recipe.pop("levels")
    per_point = levels if isinstance(levels, list) else [levels] * len(grid)
    points = [rate_point(r, recipe["dims"], lv) for r, lv in zip(grid, per_point, strict=True)]
    cores, heads = grid_jobs(points)
    tic = time.perf_counter()
    seconds: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        root = str(out or scratch)
        for phase in (cores, heads):
            for job, job_rows, cpu in _run_all(phase, recipe, root, evaluation, workers):
                seconds[job.name] = cpu
                rows += job_rows
                if on_done:
                    on_done(job)
    order = {MMSE_HEAD: 0, **{p: i + 1 for i, p in enumerate(PLFS)}}
    rows.sort(key=lambda r: (r["rates"], r["mode"] != "universal", order[r["plf"]], r["frame"]))
    return {
        "rows": rows,
        "jobs": seconds,
        "wall_seconds": time.perf_counter() - tic,
        "two_worker_minutes": two_worker_minutes(
            [seconds[j.name] for j in cores], [seconds[j.name] for j in heads]
        ),
    }


def _run_all(jobs: Sequence[Job], recipe, out: str, evaluation: int, workers: int):
    if workers <= 1:
        for job in jobs:
            yield run_job(job, recipe, out, evaluation)
        return
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(run_job, job, recipe, out, evaluation) for job in jobs]
            for future in as_completed(futures):
                yield future.result()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def findings(rows: Sequence[Mapping[str, Any]], bound_ratio: float = 1.6) -> dict[str, Any]:
    """The issue's checks, from the rows: distance to the bound (``mse``, ``fmd``), the order
    ``mse ≤ fmd ≤ jd`` per frame, error permanence at the smallest first rate, ``fmd``'s
    ``D_2`` at ``R_2 = 1``, and the universal − end-to-end gaps."""
    from seqrdp.theory import GaussMarkovSource, distortion_per_frame

    def pick(rates, mode, plf, frame):
        for r in rows:
            if (r["rates"], r["mode"], r["plf"], r["frame"]) == (rates, mode, plf, frame):
                return r
        return None

    result: dict[str, Any] = {
        "bound_ratio": bound_ratio,
        "distance": [],
        "order": [],
        "permanence": [],
        "fmd_recovers": [],
        "universality": [],
    }
    for r in rows:
        if r["plf"] in (MMSE_HEAD, FMD) and r["mode"] == "universal":
            result["distance"].append(
                {k: r[k] for k in ("rates", "plf", "frame", "ratio")}
                | {"met": r["ratio"] <= bound_ratio}
            )
    for rates in sorted({tuple(r["rates"]) for r in rows}):
        rates = list(rates)
        frames = sorted({r["frame"] for r in rows if r["rates"] == rates})
        for t in frames:
            d = {p: pick(rates, "universal", p, t) for p in (MMSE_HEAD, FMD, JD)}
            if all(d.values()):
                values = [d[p]["learned_distortion"] for p in (MMSE_HEAD, FMD, JD)]
                result["order"].append(
                    {
                        "rates": rates,
                        "frame": t,
                        "distortion": values,
                        "met": values[0] <= values[1] <= values[2],
                    }
                )
            for plf in PLFS:
                u, e = pick(rates, "universal", plf, t), pick(rates, "end-to-end", plf, t)
                if u and e:
                    result["universality"].append(
                        {
                            "rates": rates,
                            "plf": plf,
                            "frame": t,
                            "universal": u["learned_distortion"],
                            "end_to_end": e["learned_distortion"],
                            "gap": u["learned_distortion"] - e["learned_distortion"],
                            "calculator_gap": 0.0,
                        }
                    )
        first = rates[0]
        jd2, fmd2 = pick(rates, "universal", JD, 2), pick(rates, "universal", FMD, 2)
        if jd2 and first < 0.1:
            rho = jd2["rho"]
            source = GaussMarkovSource(rho)
            floor = float(distortion_per_frame(source, [first, 60.0, *rates[2:]], 0.0, JD)[1])
            result["permanence"].append(
                {
                    "rates": rates,
                    "jd_d2": jd2["learned_distortion"],
                    "floor": floor,
                    "met": jd2["learned_distortion"] >= 0.9 * floor,
                }
            )
        if fmd2 and rates[1] == 1.0:
            result["fmd_recovers"].append(
                {
                    "rates": rates,
                    "fmd_d2": fmd2["learned_distortion"],
                    "met": fmd2["learned_distortion"] < 0.3,
                }
            )
    return result


def draw(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """One panel per rate point: the calculator's per-frame distortion at each universal head's
    learned perception (lines; ``mse`` at infinite perception, dotted: every PLF at perfect
    realism) and the learned distortions (filled: universal, open: end-to-end)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from seqrdp.theory import GaussMarkovSource, distortion_per_frame

    colours = {MMSE_HEAD: "black", FMD: "tab:blue", JD: "tab:red", SA: "tab:green"}
    points = sorted({tuple(r["rates"]) for r in rows})
    fig, axes = plt.subplots(1, len(points), figsize=(4.2 * len(points), 3.8), squeeze=False)
    for ax, rates in zip(axes[0], points, strict=True):
        rates = list(rates)
        chosen = [r for r in rows if r["rates"] == rates]
        frames = sorted({r["frame"] for r in chosen})
        source = GaussMarkovSource(chosen[0]["rho"])
        for plf, colour in colours.items():
            mine = {
                m: [r for r in chosen if r["plf"] == plf and r["mode"] == m]
                for m in ("universal", "end-to-end")
            }
            if mine["universal"]:
                ax.plot(
                    frames,
                    [r["calculator_distortion"] for r in mine["universal"]],
                    color=colour,
                    label=f"{plf}: calculator at learned P",
                )
                ax.plot(
                    frames, [r["learned_distortion"] for r in mine["universal"]], "o", color=colour
                )
            if plf != MMSE_HEAD:
                ax.plot(
                    frames,
                    distortion_per_frame(source, rates, 0.0, plf),
                    ":",
                    color=colour,
                    linewidth=1,
                )
            if mine["end-to-end"]:
                ax.plot(
                    frames,
                    [r["learned_distortion"] for r in mine["end-to-end"]],
                    "s",
                    mfc="none",
                    color=colour,
                )
        ax.set_yscale("log")
        ax.set_xticks(frames)
        ax.set_xlabel("frame")
        ax.set_title(f"rates {', '.join(f'{r:.3g}' for r in rates)} bits/sample")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("distortion (MSE per sample)")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        "Learned codec (filled: universal, open: end-to-end) vs the calculator "
        "(dotted: perfect realism)",
        fontsize=9,
    )
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
