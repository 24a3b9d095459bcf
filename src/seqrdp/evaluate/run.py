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

if TYPE_CHECKING:
    import torch

    from seqrdp.data.arrays import VideoSet
    from seqrdp.data.dataset import VideoDataset
    from seqrdp.evaluate.classifier import DigitClassifier

# Realism is measured under every PLF's notion of "real", whichever PLF a head was trained for.
CRITIC_PLFS = ("fmd", "jd", "sa")
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
        ``wasserstein``: ``{plf: [..T]}`` for ``fmd``, ``jd``, ``sa``.
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
        "heads": {
            head: _frame_metrics(
                source, reconstruction, source_features, labels, rate_bits, classifier, batch_size
            )
            for head, reconstruction in reconstructions.items()
        },
    }
    for head in heads:
        report["heads"][head]["wasserstein"] = {
            plf: [] if critic_steps > 0 else None for plf in CRITIC_PLFS
        }
    if critic_steps > 0:
        # Every critic starts from the same seed, so heads are compared under the same
        # initialisation, half split and minibatch order.
        frames = range(1, source.shape[1] + 1)
        jobs = [(head, plf, t) for head in heads for plf in CRITIC_PLFS for t in frames]
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
    return report


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
