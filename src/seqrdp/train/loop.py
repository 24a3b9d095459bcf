"""The training loop: one loop for every mode and PLF (nanoGPT-style, top to bottom).

config → data → model and critics → (resume) → for each step: [critic updates] → decoder
update → log → checkpoint. What differs between ``universal`` and ``end-to-end`` and between
PLFs is data: the stage table (:mod:`seqrdp.train.stages`) says which heads the loss scores
and which parameters move, and :func:`~seqrdp.perception.plf.critic_inputs` says what each
critic compares.

Reproducibility: weights are initialised from ``seed``; before step ``s`` process ``r`` reseeds
torch from ``(seed, r, s)`` (dither, decoder noise, gradient-penalty mixing) and draws its clips
from ``(seed, r, s, draw)``. Checkpoints hold weights and optimiser moments exactly, so a run
killed and restarted with the same command ends with the same weights as one never stopped.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from seqrdp import __version__
from seqrdp.codec.metadata import ModelMeta, total_training_seconds
from seqrdp.codec.model import SequentialCodec
from seqrdp.errors import UsageError
from seqrdp.evaluate.metrics import spread
from seqrdp.plfs import MMSE_HEAD
from seqrdp.train import checkpoint
from seqrdp.train.architecture import build_codec, build_critics
from seqrdp.train.config import check_config, default_config
from seqrdp.train.data import clip_source
from seqrdp.train.distributed import Distributed
from seqrdp.train.log import RunLog, progress_bar
from seqrdp.train.objectives import INFO, critic_loss, decoder_loss, info_loss, mode_seeking
from seqrdp.train.samples import sample_grid, save_samples
from seqrdp.train.stages import Stage, plan, stage_at

SAMPLES_FILE = "samples.png"
SAMPLE_CLIPS = 4
# Keys that may change when a run is resumed: they do not change what is computed.
RESUMABLE_KEYS = frozenset(
    {"log_every", "checkpoint_every", "device", "threads", "tensorboard", "validation",
     "mse_steps", "iframe_steps", "perception_steps"}
)  # fmt: skip


def step_seed(seed: int, rank: int, step: int) -> int:
    """Torch seed of step ``step`` on process ``rank``."""
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1, np.uint64)[0] >> 1)


class Run:
    """What every part of the loop needs: the config, the process, the data, the model, the
    critics and the stage plan of one run directory."""

    def __init__(self, config: dict[str, Any], out: Path, dist: Distributed) -> None:
        self.config, self.out, self.dist = config, out, dist
        self.source = clip_source(config)
        self.stages = plan(config)
        self.total = self.stages[-1].stop
        torch.manual_seed(config["seed"])
        self.model = build_codec(config, self.source.channels).to(dist.device)
        trained = {h for s in self.stages if s.perception for h in s.heads}
        self.plfs = [h for h in self.model.codec_config.heads if h in trained]
        self.critics = build_critics(config, self.plfs, self.source.channels).to(dist.device)
        self.init: dict[str, Any] | None = None  # what --init copied (set by _train)


def train(
    config: Mapping[str, Any],
    out: str | Path,
    *,
    stop_after: int | None = None,
    progress: bool | None = None,
) -> tuple[SequentialCodec, dict[str, Any]]:
    """Train (or resume) the run in directory ``out``.

    Returns ``(model, meta)`` like :func:`seqrdp.codec.loading.load_codec`: this process's
    trained codec and the metadata of the last checkpoint.

    Parameters
    ----------
    config
        A training config (:func:`seqrdp.train.config.build_config`).
    out
        Run directory. If it holds a checkpoint of the same run, training continues from it.
    stop_after
        Stop after this many steps of this call without a final checkpoint, as if killed
        (for tests of resumption).
    progress
        Show the progress bar (``None``: when stderr is a terminal).
    """
    config = check_config(config)
    if config["threads"]:
        torch.set_num_threads(config["threads"])
    dist = Distributed(config["device"])
    try:
        run = Run(config, Path(out), dist)
        return run.model, _train(run, stop_after, progress)
    finally:
        dist.close()


def _train(run: Run, stop_after: int | None, progress: bool | None) -> dict[str, Any]:
    config, dist = run.config, run.dist
    meta: dict[str, Any] = {"steps": 0, "training_seconds": 0.0, "stages": {}, "metrics": {}}
    saved: tuple[str, dict[str, torch.Tensor]] | None = None
    if checkpoint.current(run.out) is not None:
        meta, saved = _resume(run)
        run.init = meta.get("init")
        if meta["steps"] >= run.total:
            return meta
    elif config["init"]:
        run.init = warm_start(run.model, config["init"])
        if config["init_heads"]:
            parts = [warm_start_heads(run.model, path) for path in config["init_heads"]]
            run.init["heads_init"] = parts
            run.init["total_training_seconds"] += sum(p["total_training_seconds"] for p in parts)
    step = started = meta["steps"]
    saved_meta = copy.deepcopy(meta)  # what the run directory holds

    log = RunLog(run.out, _columns(run), step, config) if dist.writer else None
    validation = None
    if dist.writer:
        validation = run.source.validation(config["validation"]).to(dist.device)
    bar = progress_bar(run.total, step, config, progress if dist.writer else False)

    stage: Stage | None = None
    optimizers: dict[str, torch.optim.Optimizer] = {}
    if run.total == 0 and dist.writer and checkpoint.current(run.out) is None:
        # Nothing to train: save the codec as warm-started (assembling heads on a core).
        meta = _checkpoint(run, run.stages[-1], {}, meta, {}, validation, log)
        saved_meta = copy.deepcopy(meta)
    try:
        while step < run.total:
            if stage is None or step == stage.stop:
                stage = stage_at(run.stages, step)
                optimizers = _optimizers(run, stage)
                if saved is not None and saved[0] == stage.name:
                    for name, optimizer in optimizers.items():
                        checkpoint.load_optimizer(optimizer, name, saved[1])
                saved = None

            tic = time.perf_counter()
            stats = _step(run, stage, step, optimizers)
            elapsed = time.perf_counter() - tic

            step += 1
            meta["steps"] = step
            meta["training_seconds"] += elapsed
            record = meta["stages"].setdefault(stage.name, {"steps": 0, "seconds": 0.0})
            record["steps"] += 1
            record["seconds"] += elapsed
            bar.update(1)
            at_end = step == stage.stop
            if log and (step % config["log_every"] == 0 or at_end):
                log.write(step, stage.name, meta["training_seconds"], stats)
                shown = ("mse/", "perception/")
                bar.set_postfix(
                    {k: f"{v:.3g}" for k, v in stats.items() if k.startswith(shown)},
                    refresh=False,
                )
            if dist.writer and (step % config["checkpoint_every"] == 0 or at_end):
                meta = _checkpoint(run, stage, optimizers, meta, stats, validation, log)
                saved_meta = copy.deepcopy(meta)
            if stop_after is not None and step - started >= stop_after:
                break
    finally:
        bar.close()
        if log:
            log.close()
    dist.barrier()
    return saved_meta if dist.writer else meta


def _step(
    run: Run, stage: Stage, step: int, optimizers: dict[str, torch.optim.Optimizer]
) -> dict[str, float]:
    """One training step: ``n_critic`` critic updates (perception stage), then one decoder
    update (none in the perception stage's first ``critic_warmup`` steps)."""
    config, dist, model, critics = run.config, run.dist, run.model, run.critics
    torch.manual_seed(step_seed(config["seed"], dist.rank, step))
    stats: dict[str, float] = {}

    def clips(draw: int) -> torch.Tensor:
        return run.source.batch(config["batch"], rank=dist.rank, step=step, draw=draw).to(
            dist.device
        )

    if not stage.perception and config["lr_decay"] != 1:
        for group in optimizers["decoder_adam"].param_groups:
            at = step - stage.start
            group["lr"] = decayed_lr(config["lr"], config["lr_decay"], at, stage.steps)
    video = clips(0)[:, : stage.frames[1]]
    first = stage.frames[0]
    generator = getattr(model, "iframe_generator", None)
    in_iframe = stage.name == "iframe" and generator is not None
    seeking = config["lambda_diversity"] > 0 and in_iframe
    informed = config["lambda_info"] > 0 and in_iframe
    drawn: dict[str, Any] = {}
    if seeking or informed:  # the shared frame-1 generator's inputs and output
        hook = generator.register_forward_hook(
            lambda _, inputs, output: drawn.update(inputs=inputs, output=output)
        )
    outputs = model(video, heads=tuple(dict.fromkeys((MMSE_HEAD, *stage.heads))))
    outputs = outputs["reconstructions"]
    if seeking or informed:
        hook.remove()
    code = drawn["inputs"][0][:, -model.codec_config.iframe_categories :] if informed else None
    kind = config["critic_loss"]
    if stage.perception:
        critics.requires_grad_(True)

        def critic_update(source: torch.Tensor, fakes: dict[str, torch.Tensor]) -> None:
            nonlocal stats
            loss, stats = critic_loss(
                source, fakes, stage.heads, critics, config["gp_weight"], kind, first,
                config["critic_align"],
            )  # fmt: skip
            if informed and fakes is outputs:  # the InfoGAN network learns on these draws
                term = info_loss(critics[INFO], drawn["output"].detach(), code)
                stats["info/critic"] = float(term.detach())
                loss = loss + config["lambda_info"] * term
            _update(
                optimizers["critic_adam"], loss, critics.parameters(), dist, config["clip_norm"]
            )

        # n_critic updates: n_critic − 1 on fresh clips, the last on this step's decoder
        # outputs (detached inside critic_loss), which saves one forward pass per step.
        for draw in range(1, config["n_critic"]):
            fresh = clips(draw)[:, : stage.frames[1]]
            with torch.no_grad():
                fakes = model(fresh, heads=stage.heads)["reconstructions"]
            critic_update(fresh, fakes)
        critic_update(video, outputs)
        critics.requires_grad_(False)  # the decoder update needs gradients of inputs only
    if stage.perception and step - stage.start < config["critic_warmup"]:
        with torch.no_grad():  # critic warm-up: the decoders wait, their losses are logged
            _, decoder_stats = decoder_loss(
                video, outputs, stage.heads, critics, config["lambda_mse"],
                config["lambda_perc"], first, config["critic_align"],
            )  # fmt: skip
        return {**decoder_stats, **stats}
    loss, decoder_stats = decoder_loss(
        video, outputs, stage.heads, critics if stage.perception else None,
        config["lambda_mse"], config["lambda_perc"], first, config["critic_align"],
    )  # fmt: skip
    if seeking:
        term = _redraw_gap(model, drawn)
        decoder_stats["diversity"] = float(term.detach())
        loss = loss + config["lambda_diversity"] * term
    if informed:
        term = info_loss(critics[INFO], drawn["output"], code)
        decoder_stats["info"] = float(term.detach())
        loss = loss + config["lambda_info"] * term
    _update(optimizers["decoder_adam"], loss, trainable(model, stage), dist, config["clip_norm"])
    return {**decoder_stats, **stats}


def _redraw_gap(model: SequentialCodec, drawn: dict[str, Any]) -> torch.Tensor:
    """:func:`~seqrdp.train.objectives.mode_seeking` of the frame-1 generator's output in
    ``drawn`` (its inputs and output in this step's forward pass) against a second draw on the
    same bits (latent and MMSE frame) with fresh noise: its vector is
    :meth:`~seqrdp.codec.model.SequentialCodec.generator_input`'s ``[latent, noise, code]``."""
    vector, mmse = drawn["inputs"]
    config = model.codec_config
    latent_dims = vector.shape[1] - config.noise_dims - config.iframe_categories
    latent = vector[:, :latent_dims]
    first = vector[:, latent_dims : latent_dims + config.noise_dims]
    noise = torch.randn_like(first)
    again = model.iframe_generator(model.generator_input(latent, noise), mmse)
    gap = (first - noise).abs().mean()
    return mode_seeking(drawn["output"], again, gap)


def decayed_lr(lr: float, decay: float, step: int, steps: int) -> float:
    """Learning rate at ``step`` (0-based) of a stage of ``steps`` steps: a half cosine from
    ``lr`` to ``lr / decay``."""
    floor = lr / decay
    return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * step / max(steps, 1)))


def _update(
    optimizer: torch.optim.Optimizer, loss: torch.Tensor, parameters, dist, clip_norm: float
) -> None:
    parameters = list(parameters)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    dist.average_gradients(parameters)
    if clip_norm:
        nn.utils.clip_grad_norm_(parameters, clip_norm)
    optimizer.step()


def trainable(model: SequentialCodec, stage: Stage) -> list[nn.Parameter]:
    """The parameters of ``stage.trains``' groups: ``core.iframe`` / ``core.pframe`` (encoder
    and MMSE decoder of frame 1 / of P-frames), ``heads.iframe`` / ``heads.pframe`` (every
    perception head's frame-1 / P-frame decoder)."""
    groups = {
        "core.iframe": lambda: model.iframe.parameters(),
        "core.pframe": lambda: model.pframe.parameters(),
        "heads.iframe": lambda: (
            p
            for part in (
                getattr(model, "iframe_generator", None),
                *(h.iframe for h in model.heads.values()),
            )
            if part is not None
            for p in part.parameters()
        ),
        "heads.pframe": lambda: (p for h in model.heads.values() for p in h.pframe.parameters()),
    }
    return [p for group in stage.trains for p in groups[group]()]


def _optimizers(run: Run, stage: Stage) -> dict[str, torch.optim.Optimizer]:
    """Fresh optimisers for ``stage``; model parameters outside it are frozen."""
    config = run.config
    run.model.requires_grad_(False)
    parameters = trainable(run.model, stage)
    for parameter in parameters:
        parameter.requires_grad_(True)
    if not stage.perception:
        return {"decoder_adam": torch.optim.Adam(parameters, lr=config["lr"])}
    betas = tuple(config["betas"])
    critic_parameters = run.critics.parameters()
    return {
        "decoder_adam": torch.optim.Adam(parameters, lr=config["perception_lr"], betas=betas),
        "critic_adam": torch.optim.Adam(critic_parameters, lr=config["critic_lr"], betas=betas),
    }


def warm_start(model: SequentialCodec, path: str) -> dict[str, Any]:
    """Copy the weights of the codec at ``path`` into ``model``: every tensor of the same name
    and shape (core and heads); the rest keep their fresh weights. So a core trained at other
    rates starts this one: only the layers next to a latent of another size start fresh. A
    codec of another size, width or levels, whose convolutions do not fit, is refused.
    Returns what was copied and what was not, for the run's metadata."""
    meta, tensors = _read_codec(path)
    own = model.state_dict()
    fits = _fitting(model, meta, tensors)
    core = [k for k in own if not k.startswith("heads.") and k in tensors]
    misfit = [k for k in core if k not in fits and "project" not in k]
    if misfit or not core:
        raise UsageError(
            f"--init {path}: its core does not fit this run "
            f"({misfit[0] if misfit else 'no core tensor'} is missing or has another shape); "
            "use the same size, levels and width"
        )
    model.load_state_dict(fits, strict=False)
    return {
        **_source(path, meta),
        "heads": sorted({k.split(".")[1] for k in fits if k.startswith("heads.")}),
        "fresh": sorted(k for k in own if k not in fits),
    }


def warm_start_heads(model: SequentialCodec, path: str) -> dict[str, Any]:
    """Copy the perception heads and the shared frame-1 generator of the codec at ``path``
    into ``model`` (after :func:`warm_start`), every tensor of the same name and shape, so
    that heads trained on one run's core go on another's. The two must code frame 1 alike:
    their I-frame tensors must be equal (a core trained with ``--freeze-iframe`` from the
    same start has them), since the frame-1 generator reads frame 1's latent."""
    meta, tensors = _read_codec(path)
    own = model.state_dict()
    for key, value in own.items():
        if key.startswith("iframe.") and (
            key not in tensors or not torch.equal(tensors[key].to(value.device), value)
        ):
            raise UsageError(
                f"--init-heads {path}: its frame-1 core differs from --init's ({key}); train "
                "the core with --freeze-iframe from the heads' core"
            )
    heads = ("heads.", "iframe_generator.")
    fits = {k: v for k, v in _fitting(model, meta, tensors).items() if k.startswith(heads)}
    if not fits:
        raise UsageError(f"--init-heads {path}: no perception head of this run's shape")
    model.load_state_dict(fits, strict=False)
    return {
        **_source(path, meta),
        "copied": sorted({".".join(k.split(".")[:2]) for k in fits}),
    }


def _fitting(
    model: SequentialCodec, meta: Mapping[str, Any], tensors: Mapping[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The tensors of a warm start that ``model`` has, with the same shape and meaning: a
    head's P-frame decoder is left out where one codec corrects the MMSE frame with it and
    the other the head's past output (``history_base``), since its output means another
    thing there."""
    own = model.state_dict()
    theirs = set(meta.get("codec", {}).get("history_base", ()))
    ours = set(getattr(model.codec_config, "history_base", ()))
    moved = tuple(f"heads.{plf}.pframe." for plf in sorted(theirs ^ ours))
    return {
        k: v
        for k, v in tensors.items()
        if k in own and own[k].shape == v.shape and not (moved and k.startswith(moved))
    }


def _read_codec(path: str) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    weights, meta_path = checkpoint.model_paths(path)
    tensors, _ = checkpoint.read_tensors(weights)
    return checkpoint.read_meta(meta_path), tensors


def _source(path: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    """What the run's metadata records of a warm start."""
    return {
        "path": str(path),
        "name": meta.get("name"),
        "steps": meta.get("steps"),
        "total_training_seconds": total_training_seconds(meta),
    }


def _resume(run: Run) -> tuple[dict[str, Any], tuple[str, dict[str, torch.Tensor]]]:
    """Load the run directory's current checkpoint into the model and critics (after removing
    what a killed save left); returns the metadata and ``(stage of the saved optimisers, state
    tensors)``."""
    out, config = run.out, run.config
    if run.dist.writer:  # only rank 0 writes; clean() never touches the current checkpoint
        checkpoint.clean(out)
    found = checkpoint.current(out)
    assert found is not None, "_resume is called only when a checkpoint exists"
    meta = checkpoint.read_meta(found / checkpoint.META_FILE)
    # A key the run's version did not know yet had its default value.
    saved = {**default_config(), **meta.get("config", {})}
    for key in sorted(set(saved) | set(config)):
        if key not in RESUMABLE_KEYS and saved.get(key) != config.get(key):
            raise UsageError(
                f"{out} holds a run with {key}={saved.get(key)!r}, not {config.get(key)!r}; "
                "use another --out or the same settings"
            )
    steps = int(meta["steps"])
    if steps > run.total or (steps and stage_at(run.stages, steps - 1).name != meta["stage"]):
        raise UsageError(
            f"{out} stopped after step {steps} in stage {meta['stage']!r}, which the new "
            "--mse-steps/--perception-steps do not continue"
        )
    model_tensors, model_header = checkpoint.read_tensors(found / checkpoint.MODEL_FILE)
    state_tensors, state_header = checkpoint.read_tensors(found / checkpoint.STATE_FILE)
    if {model_header.get("steps"), state_header.get("steps")} != {str(steps)}:
        raise UsageError(f"the checkpoint in {out} is incomplete (interrupted while saving)")
    run.model.load_state_dict(model_tensors)
    prefix = "critics."
    run.critics.load_state_dict(
        {k[len(prefix) :]: v for k, v in state_tensors.items() if k.startswith(prefix)}
    )
    return meta, (state_header.get("stage", ""), state_tensors)


def _checkpoint(
    run: Run,
    stage: Stage,
    optimizers: dict[str, torch.optim.Optimizer],
    meta: dict[str, Any],
    stats: dict[str, float],
    validation: torch.Tensor | None,
    log: RunLog | None,
) -> dict[str, Any]:
    """Validate, draw samples, and write the checkpoint (rank 0)."""
    config, model = run.config, run.model
    metrics: dict[str, Any] = {"train": stats}
    if validation is not None and len(validation):
        reconstructions = _validate(model, validation, config["batch"])
        metrics["validation"] = {
            "clips": len(validation),
            "mse": {
                head: [float(v) for v in ((r - validation) ** 2).mean(dim=(0, 2, 3, 4))]
                for head, r in reconstructions.items()
            },
        }
        if len(validation) > 1:
            metrics["validation"]["spread"] = {
                head: spread(validation, r).tolist() for head, r in reconstructions.items()
            }
        grid = sample_grid(
            validation[:SAMPLE_CLIPS], {h: r[:SAMPLE_CLIPS] for h, r in reconstructions.items()}
        )
        save_samples(run.out / SAMPLES_FILE, grid)
        if log:
            log.image("samples", grid, meta["steps"])
    meta = ModelMeta(
        format=checkpoint.FORMAT,
        name=run.out.resolve().name,
        mode=config["mode"],
        plf=config["plf"],
        heads=list(model.head_names),
        reference=model.codec_config.reference,
        frame_bits=list(model.frame_bits),
        rate_bits=model.rate_bits(config["frames"]),
        size=list(model.codec_config.size),
        frames=config["frames"],
        stage=stage.name,
        steps=meta["steps"],
        planned_steps=run.total,
        complete=meta["steps"] == run.total,
        training_seconds=meta["training_seconds"],
        total_training_seconds=meta["training_seconds"]
        + (run.init["total_training_seconds"] if run.init else 0.0),
        init=run.init,
        stages=meta["stages"],
        data=run.source.describe(),
        metrics=metrics,
        codec=model.config,
        config=config,
        world_size=run.dist.world,
        torch=torch.__version__,
        seqrdp=__version__,
    ).to_dict()
    state = {f"critics.{k}": v for k, v in run.critics.state_dict().items()}
    for name, optimizer in optimizers.items():
        state.update(checkpoint.optimizer_tensors(name, optimizer))
    checkpoint.save_checkpoint(run.out, model.state_dict(), state, meta, {"stage": stage.name})
    return meta


@torch.no_grad()
def _validate(model: SequentialCodec, clips: torch.Tensor, batch: int) -> dict[str, torch.Tensor]:
    """Every head's eval-mode reconstruction of ``clips`` with seeds 0..n−1 (as decoded)."""
    model.eval()
    parts: dict[str, list[torch.Tensor]] = {}
    for start in range(0, len(clips), batch):
        chunk = clips[start : start + batch]
        seeds = list(range(start, start + len(chunk)))
        for head, r in model(chunk, seeds=seeds)["reconstructions"].items():
            parts.setdefault(head, []).append(r)
    model.train()
    return {head: torch.cat(r) for head, r in parts.items()}


def _columns(run: Run) -> list[str]:
    columns = ["loss/decoder", "loss/critic"]
    columns += [f"mse/{head}" for head in run.model.head_names]
    for kind in ("adversarial", "perception", "penalty"):
        columns += [f"{kind}/{plf}" for plf in run.plfs]
    if run.config["lambda_diversity"] > 0:
        columns.append("diversity")
    if run.config["lambda_info"] > 0:
        columns += ["info", "info/critic"]
    return columns
