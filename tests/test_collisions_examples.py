"""The collision-model examples run end to end in --quick mode (and say what they claim)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name, expect", [
    ("collisions_structured.py", "first law residual, max: "),
    pytest.param("collisions_weakly_coherent.py", "W_C,ss'", marks=pytest.mark.slow),
])
def test_example_quick(name, expect):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name), "--quick"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert expect in proc.stdout
    if name == "collisions_structured.py":
        line = next(x for x in proc.stdout.splitlines() if x.startswith("first law"))
        assert float(line.split(":")[1]) < 1e-12
