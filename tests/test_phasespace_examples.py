"""The phase-space example runs end to end in --quick mode and reproduces what it prints."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# slow set (17 s; the default run stays under 10 minutes): the values it checks (spec R6, the
# balance residual) are also tested directly in test_phasespace_production.py
@pytest.mark.slow
def test_phasespace_example_quick(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "phasespace_wehrl.py"),
                           "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=400, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    resid = next(x for x in lines if x.strip().startswith("balance residual"))
    assert float(resid.split(":")[1]) < 1e-12
    row0 = next(x for x in lines if x.strip().startswith("0.00"))
    s_q, pi_w = (float(v) for v in row0.split()[1:3])
    assert abs(s_q - 1.2513280691) < 1e-9 and abs(pi_w - 0.1160548174) < 1e-9  # spec R6
    grad = next(x for x in lines if "dPi_W(0)/dbeta" in x)
    ad, fd = (float(t.split()[0]) for t in grad.split("=")[1].split(","))
    assert abs(ad - fd) < 1e-8
    assert (tmp_path / "phasespace_wehrl.png").stat().st_size > 10_000
