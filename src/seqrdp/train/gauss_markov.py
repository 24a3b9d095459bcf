"""The ``gauss-markov`` training source: the theory's source (:mod:`seqrdp.theory.source`) as
clips of vector frames, for the vector codec (:mod:`seqrdp.codec.vector`).

Each clip is ``d`` independent copies (coordinates) of ``X_1 ~ N(0, σ_1²)``,
``X_{j+1} = ρ_j X_j + N_j``, ``N_j ~ N(0, 1 − ρ_j²)``, the conventions of ``seqrdp theory gm``
(``sigma1`` is the variance of frame 1). A clip is a float32 tensor (T, d, 1, 1): frames of
``d`` channels and 1×1 pixels, so the loop, the PLF critic inputs and the metrics take it as a
video. Values are real, not in [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from seqrdp.errors import UsageError
from seqrdp.theory.source import GaussMarkovSource
from seqrdp.train.data import ClipSource


def gauss_markov_source(config: Mapping[str, Any]) -> GaussMarkovSource:
    """The :class:`~seqrdp.theory.source.GaussMarkovSource` of a training config: ``rho`` has
    one value per transition or one value for all ``frames − 1``."""
    rho, frames = list(config["rho"]), config["frames"]
    if len(rho) == 1:
        rho = rho * (frames - 1)
    if len(rho) != frames - 1:
        raise UsageError(
            f"rho: got {len(rho)} values for {frames} frames; give one value or frames - 1"
        )
    return GaussMarkovSource(rho, sigma2_1=config["sigma1"])


class GaussMarkovClips(ClipSource):
    """Clips (n, T, d, 1, 1) of the Gauss–Markov source with ``d = dims`` coordinates."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        if config["codec"] != "vector":
            raise UsageError("data gauss-markov is a vector source: train it with --codec vector")
        self.source = gauss_markov_source(config)
        self.channels = config["dims"]

    def draw(self, rng: np.random.Generator, n: int, split: str) -> np.ndarray:
        """float32 (n, T, d): the recursion, frame by frame."""
        source, d = self.source, self.channels
        frames = [np.sqrt(source.sigma2_1) * rng.standard_normal((n, d))]
        for rho, v in zip(source.rho, source.innovation_var, strict=True):
            frames.append(rho * frames[-1] + np.sqrt(v) * rng.standard_normal((n, d)))
        return np.stack(frames, axis=1).astype(np.float32)

    def to_tensor(self, clips: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(clips)[..., None, None]

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "gauss-markov",
            "frames": self.frames,
            "dims": self.channels,
            "rho": list(self.source.rho),
            "sigma2": self.source.sigma2.tolist(),
        }
