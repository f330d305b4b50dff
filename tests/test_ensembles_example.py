"""The ensembles example runs in --quick mode and prints the steady state it promises."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_example_quick_runs():
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "ensemble_collective_dissipation.py"), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "collective : E =" in out.stdout
    assert "apparent beta of the collective steady state: 1.000000000000" in out.stdout
