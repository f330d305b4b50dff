"""The core example runs end to end in --quick mode and prints physically sensible numbers."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_qubit_two_baths_example(tmp_path):
    out = tmp_path / "fig.png"
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "qubit_two_baths.py"), "--quick",
                        "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert out.exists() and out.stat().st_size > 1000
    line = next(x for x in r.stdout.splitlines() if x.startswith("minimum entropy production"))
    assert float(line.split(":")[1].split()[0]) >= -1e-12
