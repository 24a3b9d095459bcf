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

from seqrdp._lazy import lazy_exports

# Public names, imported from their home modules on first use, so that ``seqrdp theory gm`` at
# P ∈ {0, ∞} loads NumPy only (SciPy costs ~0.4 s of CPU at start-up).
_EXPORTS = {
    "MODES": "seqrdp.theory.inputs",
    "HEADS": "seqrdp.plfs",
    "GaussMarkovSource": "seqrdp.theory.source",
    "OneShotCode": "seqrdp.theory.oneshot",
    "SolverResult": "seqrdp.theory.solver",
    "distortion_per_frame": "seqrdp.theory.calculator",
    "frame_channels": "seqrdp.theory.channels",
    "gaussian_w2_squared": "seqrdp.theory.wasserstein",
    "greedy_decoders": "seqrdp.theory.calculator",
    "mmse_distortion": "seqrdp.theory.single_frame",
    "mmse_estimate_variance": "seqrdp.theory.mmse",
    "perfect_realism_distortion": "seqrdp.theory.single_frame",
    "rdp_table": "seqrdp.theory.calculator",
    "sequential_mmse_distortion": "seqrdp.theory.mmse",
    "solve_test_channels": "seqrdp.theory.solver",
}
_exported, _names = lazy_exports(__name__, _EXPORTS)
__all__ = sorted([*_EXPORTS, "simulate_oneshot"])


def __getattr__(name: str):
    if name == "simulate_oneshot":  # seqrdp.theory.oneshot.simulate, under a clearer name
        from seqrdp.theory.oneshot import simulate

        return simulate
    return _exported(name)


def __dir__() -> list[str]:
    return sorted({*_names(), "simulate_oneshot"})
