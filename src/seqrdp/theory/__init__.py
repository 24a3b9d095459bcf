"""Gauss–Markov rate–distortion–perception theory for sequential (video) coding.

Pure NumPy/SciPy (no torch). The main entry points:

- :class:`GaussMarkovSource` — the source ``X_{j+1} = ρ_j X_j + N_j``;
- :func:`distortion_per_frame` / :func:`rdp_table` — per-frame distortion of the greedy
  sequential optimum for the PLFs ``mse``, ``fmd``, ``jd``, ``sa`` in ``optimal`` and
  ``universal`` modes;
- :func:`mmse_distortion`, :func:`perfect_realism_distortion` — the single-frame anchors;
- :func:`sequential_mmse_distortion` — the MMSE sequential coder;
- :func:`solve_test_channels` — the independent numeric cross-check;
- :func:`frame_channels`, :class:`OneShotCode`, :func:`simulate_oneshot` — the test channels
  as one-shot codes (bits on a wire, :mod:`seqrdp.theory.oneshot`).

Figures: :mod:`seqrdp.theory.plot` (imports matplotlib lazily). Derivations: ``docs/theory.md``.
"""

from seqrdp.theory.calculator import distortion_per_frame, greedy_decoders, rdp_table
from seqrdp.theory.channels import frame_channels
from seqrdp.theory.inputs import MODES, PLFS
from seqrdp.theory.mmse import mmse_estimate_variance, sequential_mmse_distortion
from seqrdp.theory.oneshot import OneShotCode
from seqrdp.theory.oneshot import simulate as simulate_oneshot
from seqrdp.theory.single_frame import mmse_distortion, perfect_realism_distortion
from seqrdp.theory.solver import SolverResult, solve_test_channels
from seqrdp.theory.source import GaussMarkovSource
from seqrdp.theory.wasserstein import gaussian_w2_squared

__all__ = [
    "MODES",
    "PLFS",
    "GaussMarkovSource",
    "OneShotCode",
    "SolverResult",
    "distortion_per_frame",
    "frame_channels",
    "gaussian_w2_squared",
    "greedy_decoders",
    "mmse_distortion",
    "mmse_estimate_variance",
    "perfect_realism_distortion",
    "rdp_table",
    "sequential_mmse_distortion",
    "simulate_oneshot",
    "solve_test_channels",
]
