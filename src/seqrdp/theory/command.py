"""``seqrdp theory``: the Gauss–Markov rate–distortion–perception calculator on the command line.

``seqrdp theory`` (no subcommand) runs the default study: a table and the figure set.
``seqrdp theory gm`` prints per-frame distortions for one setting (``--json`` for machines).
``seqrdp theory plot`` writes the figure set (PNG + CSV).
``seqrdp theory oneshot`` sends the calculator's test channels as bits (one-shot codes).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence

from seqrdp.errors import UsageError
from seqrdp.plfs import HEADS, choices_text

DEMO_RATES = "0.05,1,1"
DEMO_OUT = "seqrdp-demo/theory"

_INF_NOTE = (
    "JSON cannot hold infinity: an infinite perception budget is written as null in "
    '"perception"; a null distortion marks a frame whose budget cannot be met (jd only).'
)


def parse_floats(text: str, flag: str, *, allow_inf: bool = False) -> list[float]:
    """Comma-separated numbers, e.g. ``"0.5,2"`` → ``[0.5, 2.0]``; ``inf`` only if allowed.

    Raises :class:`~seqrdp.errors.UsageError` naming ``flag`` on anything else.
    """
    values = []
    for item in text.split(","):
        try:
            value = float(item.strip())
        except ValueError:
            raise UsageError(f"{flag}: {item.strip()!r} is not a number (in {text!r})") from None
        if math.isnan(value) or (math.isinf(value) and not (allow_inf and value > 0)):
            allowed = "a finite number or inf" if allow_inf else "a finite number"
            raise UsageError(f"{flag}: {item.strip()!r} is not {allowed}")
        values.append(value)
    return values


def per_transition(values: list[float] | None, frames: int, flag: str) -> list[float] | None:
    """One value for every transition ``1 … T−1``: a single value is repeated."""
    if values is None:
        return None
    if len(values) == 1:
        return values * (frames - 1)
    if len(values) != frames - 1:
        raise UsageError(
            f"{flag}: got {len(values)} values; --rates gives T = {frames} frames, so give one "
            f"value or T - 1 = {frames - 1}"
        )
    return values


def gm_result(
    rates: Sequence[float],
    rho: Sequence[float],
    sigma1: float = 1.0,
    innovation_var: Sequence[float] | None = None,
    perception: Sequence[float] = (0.0,),
    plfs: Sequence[str] = HEADS,
    modes: Sequence[str] = ("optimal", "universal"),
) -> dict:
    """The ``seqrdp theory gm --json`` object (``inf``/``nan`` still as floats)."""
    from seqrdp.theory.calculator import rdp_table
    from seqrdp.theory.inputs import check_perception
    from seqrdp.theory.source import GaussMarkovSource

    source = GaussMarkovSource(rho, sigma2_1=sigma1, innovation_var=innovation_var)
    budgets = check_perception(perception, source.frames)
    return {
        "source": {"rho": list(source.rho), "sigma2": source.sigma2.tolist()},
        "rates": [float(r) for r in rates],
        "perception": budgets.tolist(),
        "results": rdp_table(source, rates, budgets, plfs, modes),
    }


def to_json(result: dict) -> str:
    """Serialise with ``inf`` (budgets) and ``nan`` (infeasible distortions) as ``null``."""

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(result), allow_nan=False)


def format_table(result: dict) -> str:
    """A readable table of :func:`gm_result`."""

    def numbers(values: Sequence[float]) -> str:
        return ", ".join(f"{v:g}" for v in values) if values else "(none)"

    frames = len(result["rates"])
    lines = [
        f"Gauss-Markov source, T = {frames} frame{'s' * (frames > 1)}: "
        f"rho = {numbers(result['source']['rho'])}; "
        f"sigma2 = {numbers(result['source']['sigma2'])}",
        f"rates (bits/sample): {numbers(result['rates'])}",
        f"perception budgets (squared W2): {numbers(result['perception'])}",
        "",
        "distortion D_j (MSE per sample), greedy sequential optimum:",
        f"{'plf':<5}{'mode':<11}" + "".join(f"{f'frame {j}':>12}" for j in range(1, frames + 1)),
    ]
    infeasible = False
    for row in result["results"]:
        cells = []
        for d in row["distortion"]:
            infeasible |= math.isnan(d)
            cells.append(f"{'infeasible' if math.isnan(d) else f'{d:.6f}':>12}")
        lines.append(f"{row['plf']:<5}{row['mode']:<11}" + "".join(cells))
    if infeasible:
        lines.append(
            "infeasible: jd's loss over frames 1..j cannot fall below what frames 1..j-1 "
            "already spent; give jd budgets that do not decrease."
        )
    return "\n".join(lines)


def _setting(args: argparse.Namespace) -> tuple:
    """The flags shared by ``gm`` and ``oneshot``, parsed: rates, rho, innovation variances,
    perception, PLFs, modes."""
    from seqrdp.theory.inputs import MODES, check_choices

    rates = parse_floats(args.rates, "--rates")
    frames = len(rates)
    rho = per_transition(parse_floats(args.rho, "--rho"), frames, "--rho")
    innovation_var = None
    if args.innovation_var is not None:
        innovation_var = per_transition(
            parse_floats(args.innovation_var, "--innovation-var"), frames, "--innovation-var"
        )
    perception = parse_floats(args.perception, "--perception", allow_inf=True)
    if len(perception) not in (1, frames):
        raise UsageError(
            f"--perception: got {len(perception)} values for T = {frames} frames "
            "(give one value or one per frame)"
        )
    plfs = check_choices([p.strip() for p in args.plf.split(",")], HEADS, "--plf")
    modes = check_choices([m.strip() for m in args.mode.split(",")], MODES, "--mode")
    return rates, rho, innovation_var, perception, plfs, modes


def _gm(args: argparse.Namespace) -> int:
    rates, rho, innovation_var, perception, plfs, modes = _setting(args)
    result = gm_result(rates, rho, args.sigma1, innovation_var, perception, plfs, modes)
    print(to_json(result) if args.json else format_table(result))
    return 0


def _oneshot(args: argparse.Namespace) -> int:
    from seqrdp.progress import progress
    from seqrdp.theory.oneshot import format_result, oneshot_result, steps

    rates, rho, innovation_var, perception, plfs, modes = _setting(args)
    from seqrdp.limits import check_fits

    # Every sequence keeps its bits and search cost per frame (float64), and the 95th
    # percentile copies them: refused when that cannot fit, before any work.
    check_fits((max(args.sequences, 0), len(rates), 3), 8, f"--sequences {args.sequences}")
    with progress(total=steps(len(plfs), args.sequences), desc="one-shot codes") as bar:
        result = oneshot_result(
            rates, rho, args.sigma1, innovation_var, perception, plfs, modes,
            args.block, args.sequences, args.seed, bar.update,
        )  # fmt: skip
    print(to_json(result) if args.json else format_result(result))
    return 0


def _plot(args: argparse.Namespace) -> int:
    from seqrdp.outputs import check_output
    from seqrdp.theory.plot import write_figures

    check_output(args.out, directory=True)
    written = write_figures(args.out)
    if args.json:
        print(json.dumps({"out": str(args.out), "files": [str(p) for p in written]}))
    else:
        print("\n".join(f"wrote {p}" for p in written))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from seqrdp.outputs import check_output
    from seqrdp.theory.plot import write_figures

    check_output(args.demo_out, directory=True)
    rates = parse_floats(DEMO_RATES, "--rates")
    result = gm_result(rates, [0.9] * (len(rates) - 1))
    print(format_table(result))
    print()
    written = write_figures(args.demo_out)
    print("\n".join(f"wrote {p}" for p in written))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``theory`` (with ``gm``, ``oneshot`` and ``plot``) to the ``seqrdp`` command."""
    theory = subparsers.add_parser(
        "theory",
        help="Gauss-Markov rate-distortion-perception calculator (per-frame distortion "
        "for each PLF and mode; figures)",
        description=(
            "Rate-distortion-perception theory of a Gauss-Markov source under the perception "
            "loss functions mse, fmd, jd and sa. Without a subcommand: print the table for "
            f"T = 3, rho = 0.9, rates {DEMO_RATES} bits/sample, P = 0, and write the figure "
            "set to --out."
        ),
    )
    theory.add_argument(
        "--out",
        dest="demo_out",
        default=DEMO_OUT,
        metavar="DIR",
        help=f"folder for the default run's figures and CSV files (default: {DEMO_OUT})",
    )
    theory.set_defaults(func=_demo)
    commands = theory.add_subparsers(
        dest="theory_command", metavar="SUBCOMMAND", parser_class=type(theory)
    )

    gm = commands.add_parser(
        "gm",
        help="per-frame distortion of the greedy sequential RDP optimum for one setting",
        description=(
            "Per-frame distortion D_j (MSE per sample) of the greedy sequential optimum for a "
            "Gauss-Markov source X_1 ~ N(0, sigma_1^2 = --sigma1), "
            "X_{j+1} = rho_j X_j + N(0, v_j), for each PLF and mode asked for. "
            "Lists are comma-separated; a single --rho, "
            "--innovation-var or --perception value applies to every transition/frame. "
            "Negative first values need '=', e.g. --rho=-0.5,0.3. " + _INF_NOTE
        ),
    )
    gm.add_argument(
        "--rates",
        required=True,
        metavar="R1,...,RT",
        help="rate of each frame in bits/sample (>= 0); their number fixes T",
    )
    gm.add_argument(
        "--rho",
        default="0.9",
        metavar="RHO[,...]",
        help="correlation of each transition, |rho| < 1: one value or T - 1 (default: 0.9)",
    )
    gm.add_argument(
        "--sigma1",
        type=float,
        default=1.0,
        metavar="VAR",
        help="VARIANCE sigma_1^2 of the first frame (not a standard deviation; default: 1)",
    )
    gm.add_argument(
        "--innovation-var",
        default=None,
        metavar="V[,...]",
        help="innovation variance v_j of each transition, > 0: one value or T - 1 "
        "(default: 1 - rho_j^2, a stationary source when --sigma1 is 1)",
    )
    gm.add_argument(
        "--perception",
        default="0",
        metavar="P[,...]",
        help="perception budget (squared W2) of each frame: one value or T; 0 = perfect "
        "realism, inf = no constraint (written as null in --json output) (default: 0)",
    )
    gm.add_argument(
        "--plf",
        default=choices_text(HEADS),
        metavar="PLF[,...]",
        help=f"perception loss functions among {', '.join(HEADS)} (default: all)",
    )
    gm.add_argument(
        "--mode",
        default="optimal,universal",
        metavar="MODE[,...]",
        help="optimal (encoder designed for the PLF) and/or universal (MMSE encoder, PLF "
        "decoder) (default: both)",
    )
    gm.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: {"source": {"rho", "sigma2"}, "rates", "perception", '
        '"results": [{"plf", "mode", "distortion"}]}',
    )
    gm.set_defaults(func=_gm)

    oneshot = commands.add_parser(
        "oneshot",
        help="send the calculator's test channels as bits: one-shot codes (Poisson "
        "functional representation) with measured bits, distortion and perception",
        description=(
            "For each PLF and mode, code --sequences sequences of the Gauss-Markov source in "
            "blocks of --block i.i.d. samples: frame j samples the calculator's test channel "
            "X^_j | X_1..X_j, X^_1..X^_{j-1} against the decoder's law X^_j | X^_1..X^_{j-1} "
            "with a Poisson functional representation (Li & El Gamal 2018), and sends the "
            "index with an Exp-Golomb code; encoder and decoder share only --seed, and every "
            "sequence is decoded from its bytes and checked bit-exact. Reports per frame the "
            "measured bits per block (mean, 95th percentile) beside the information n*I and "
            "the bound n*I + log2(n*I + 1) + 5, and the measured distortion and perception "
            "(squared W2 of the laws the PLF compares, per sample) beside the calculator's, "
            "with 95% sampling intervals. COST grows as 2^(n*I) per block and faster with n "
            "(docs/theory.md): at n = 1, 10^4 blocks of 12 bits take about 30 s a frame "
            "and PLF, but at n = 16 blocks of 4 bits (rate 0.25) take about 150 s; choose "
            "--block x rate near 12 bits or below at n = 1 and a few bits at n = 16 (above "
            "24 bits per block is refused). The setting flags are those of 'seqrdp theory "
            "gm'. " + _INF_NOTE
        ),
    )
    # The setting flags are gm's, defined once there.
    for action in gm._actions:
        if action.dest in ("rates", "rho", "sigma1", "innovation_var", "perception", "plf", "mode"):
            oneshot.add_argument(
                *action.option_strings, dest=action.dest, default=action.default,
                type=action.type, required=action.required, metavar=action.metavar,
                help=action.help,
            )  # fmt: skip
    oneshot.add_argument(
        "--block", type=int, default=1, metavar="N", help="samples per block, n (default: 1)"
    )
    oneshot.add_argument(
        "--sequences",
        type=int,
        default=10_000,
        metavar="M",
        help="sequences coded per PLF (default: 10000)",
    )
    oneshot.add_argument(
        "--seed", type=int, default=0, metavar="S", help="the shared seed (default: 0)"
    )
    oneshot.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: {"source", "rates", "perception", "block", "sequences", '
        '"seed", "results": [{"plf", "mode", per-frame lists "bits_mean", "bits_p95", '
        '"bound_bits", "information_bits", "distortion", "perception", '
        '"calculator_distortion", "calculator_perception", "distortion_interval", '
        '"perception_interval", "points_examined_mean"; "decoded_exactly"}]}',
    )
    oneshot.set_defaults(func=_oneshot)

    plot = commands.add_parser(
        "plot",
        help="write the Gauss-Markov figure set (PNG + CSV)",
        description=(
            "Write PNG figures and their CSV data: error_permanence (D_2 vs R_1 at R_2 = 3 "
            "bits/sample, P = 0), distortion_vs_rate (D_j vs an equal rate per frame, T = 3) "
            "and universality_gap (universal minus optimal D_j by the independent test-channel "
            "solver)."
        ),
    )
    plot.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    plot.add_argument(
        "--json", action="store_true", help='print {"out": DIR, "files": [...]} on stdout'
    )
    plot.set_defaults(func=_plot)
