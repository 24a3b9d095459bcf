"""The layers import one way (docs/design.md, "Layers"): theory knows no torch, data knows no
codec, the codec and the zoo know no training, and no library module imports the CLI.

Each rule is checked twice: statically, over every ``import`` statement of every module
(including the lazy ones inside functions, which an import test cannot see), and dynamically,
by importing every module of the layer in a fresh interpreter and reading ``sys.modules``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import seqrdp
from seqrdp.cli import COMMAND_MODULES

SRC = Path(seqrdp.__file__).parent
# The command line: the entry point, its shared flags and every module that registers a command.
CLI = frozenset({"seqrdp.cli", "seqrdp.cli_args", "seqrdp.__main__", *COMMAND_MODULES})

# Layer (a module or package) → what none of its modules may import, and why.
RULES = {
    "seqrdp.plfs": (("seqrdp", "numpy", "torch"), "the vocabulary imports nothing"),
    "seqrdp.theory": (
        ("torch", "seqrdp.codec", "seqrdp.perception", "seqrdp.train", "seqrdp.evaluate",
         "seqrdp.data", "seqrdp.zoo", "seqrdp.bitstream"),
        "the calculator is NumPy/SciPy only",
    ),
    "seqrdp.bitstream": (
        ("torch", "seqrdp.codec", "seqrdp.train", "seqrdp.evaluate", "seqrdp.data"),
        "the container knows symbols, not models",
    ),
    "seqrdp.data": (
        ("seqrdp.codec", "seqrdp.zoo", "seqrdp.bitstream", "seqrdp.perception", "seqrdp.train",
         "seqrdp.evaluate"),
        "data knows no codec",
    ),
    "seqrdp.perception": (
        ("seqrdp.codec", "seqrdp.zoo", "seqrdp.train", "seqrdp.evaluate"),
        "a PLF is data about frames, not about a codec",
    ),
    "seqrdp.codec": (("seqrdp.train", "seqrdp.evaluate"), "inference knows no training"),
    "seqrdp.zoo": (("seqrdp.train", "seqrdp.evaluate"), "inference knows no training"),
    "seqrdp.evaluate": (("seqrdp.train",), "evaluation loads models as users do"),
}  # fmt: skip
# (module, what it may import after all): each exception says why.
EXCEPTIONS = {
    # An experiment, not the evaluation of a given model: it trains vector codecs on the
    # Gauss-Markov source to measure them against the calculator (benchmarks/bench_bound.py).
    ("seqrdp.evaluate.bound", "seqrdp.train"),
}


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str) -> set[str]:
    """Modules that ``name``'s import statements name (for ``from a import b``: ``a``, and
    ``a.b`` when that is a module), relative imports resolved."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(
                f"{base}.{alias.name}"
                for alias in node.names
                if f"{base}.{alias.name}" in modules()
            )
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def in_layer(layer: str) -> list[str]:
    return [name for name in modules() if _within(name, layer)]


def test_the_scan_finds_imports_inside_functions_too():
    # seqrdp.train.config imports the codec only inside codec_config().
    assert "seqrdp.codec.config" in imported("seqrdp.train.config")
    assert {"seqrdp.plfs", "seqrdp.cli_args"} <= imported("seqrdp.codec.command")
    assert len(modules()) > 60 and all(in_layer(layer) for layer in RULES)


@pytest.mark.parametrize("layer", sorted(RULES))
def test_no_module_of_a_layer_imports_what_the_layer_must_not_know(layer):
    forbidden, why = RULES[layer]
    broken = sorted(
        f"{name} imports {target}"
        for name in in_layer(layer)
        for target in imported(name)
        if any(_within(target, f) for f in forbidden) and not _within(target, layer)
        if not any(name == m and _within(target, t) for m, t in EXCEPTIONS)
    )
    assert not broken, f"{why}: {broken}"


BASE = ("seqrdp.plfs", "seqrdp.errors", "seqrdp.limits", "seqrdp.outputs", "seqrdp.devices",
        "seqrdp.progress", "seqrdp._lazy")  # fmt: skip


def test_the_base_modules_import_only_the_base():
    broken = sorted(
        f"{name} imports {target}"
        for name in BASE
        for target in imported(name)
        if _within(target, "seqrdp") and target not in BASE
    )
    assert not broken


def test_no_library_module_imports_the_command_line():
    broken = sorted(
        f"{name} imports {target}"
        for name in modules()
        if name not in CLI
        for target in imported(name)
        if target in CLI
    )
    assert not broken


CODE = """
import importlib, json, sys
import seqrdp
before = sorted(m for m in ("numpy", "scipy", "torch") if m in sys.modules)
if sys.argv[1] == "api":
    seqrdp.HEADS, seqrdp.rdp_table, seqrdp.read_stream, seqrdp.write_stream  # torch-free
for name in sys.argv[2:]:
    importlib.import_module(name)
print(json.dumps({"before": before, "loaded": sorted(sys.modules)}))
"""


def _import_in_a_fresh_interpreter(
    names: list[str], api: bool = False
) -> tuple[list[str], set[str]]:
    """``import seqrdp`` (then, with ``api``, its torch-free public names) and ``names`` in a
    fresh interpreter: ``(numerical libraries loaded by import seqrdp, every module loaded)``."""
    result = subprocess.run(
        [sys.executable, "-c", CODE, "api" if api else "-", *names],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    report = json.loads(result.stdout)
    return report["before"], set(report["loaded"])


def test_import_seqrdp_its_torch_free_api_and_all_of_theory_never_load_torch():
    names = in_layer("seqrdp.theory")
    before, loaded = _import_in_a_fresh_interpreter(names, api=True)
    assert before == []  # import seqrdp alone loads no numerical library
    assert set(names) <= loaded
    assert not sorted(m for m in loaded if _within(m, "torch") or _within(m, "seqrdp.codec"))


def test_importing_every_module_of_data_loads_nothing_of_the_codec():
    # (The codec, the zoo and evaluation without training: tests/codec/test_loading.py.)
    names = in_layer("seqrdp.data")
    _, loaded = _import_in_a_fresh_interpreter(names)
    assert set(names) <= loaded
    assert not sorted(m for m in loaded if any(_within(m, f) for f in RULES["seqrdp.data"][0]))


def test_the_public_names_that_need_torch_are_the_library_objects():
    from seqrdp.codec.model import SequentialCodec
    from seqrdp.zoo import load_model

    assert seqrdp.SequentialCodec is SequentialCodec and seqrdp.load_model is load_model
    assert {"load_model", "SequentialCodec", "read_stream", "rdp_table"} <= set(dir(seqrdp))


@pytest.mark.parametrize(
    "package", ["seqrdp", "seqrdp.codec", "seqrdp.data", "seqrdp.train", "seqrdp.evaluate",
                "seqrdp.perception", "seqrdp.theory"],
)  # fmt: skip
def test_every_public_name_of_a_package_is_the_object_its_home_module_defines(package):
    import importlib

    module = importlib.import_module(package)
    assert module.__all__
    for name in module.__all__:
        value = getattr(module, name)
        home = getattr(value, "__module__", None)
        if home is not None and home.startswith("seqrdp"):  # (some are exported renamed)
            assert getattr(importlib.import_module(home), value.__name__) is value
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018
