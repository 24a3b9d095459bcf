"""``seqrdp.theory`` stays NumPy/SciPy-only: torch never loads, matplotlib only to draw."""

import subprocess
import sys

CODE = """
import sys
import seqrdp.theory as theory
import seqrdp.theory.command, seqrdp.theory.plot
source = theory.GaussMarkovSource([0.9, 0.9])
theory.rdp_table(source, [0.05, 1, 1], [0.01, 0.05, 0.1])
theory.solve_test_channels(theory.GaussMarkovSource([0.9]), [0.5, 1.0], 0.0, "jd")
print("torch" in sys.modules, "matplotlib" in sys.modules)
"""


def test_calculator_and_solver_never_import_torch_or_matplotlib():
    result = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
