"""The paper-000 example runs in --quick mode and prints the expected physics."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_example_quick(tmp_path):
    out = tmp_path / "split.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "entropy_production_split.py"), "--quick",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert out.exists() and out.stat().st_size > 1000
    lines = res.stdout.splitlines()
    coll = [ln for ln in lines if ln.startswith("collective")][0]
    ind = [ln for ln in lines if ln.startswith("independent")][0]
    # collective: negative integrated horizontal part; independent: none
    assert float(re.search(r"-dC_h ([+-][0-9.]+)", coll).group(1)) < -1e-3
    assert abs(float(re.search(r"-dC_h ([+-][0-9.]+)", ind).group(1))) < 1e-9
    resid = [float(m) for m in re.findall(r"sum of parts\| = ([0-9.e+-]+)", res.stdout)]
    assert len(resid) == 2 and max(resid) < 1e-10
