"""The worked examples run end to end with --quick (subprocess) and write their plots."""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(script, tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "examples" / script), "--quick", "--out",
                          str(tmp_path)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.mark.slow
def test_otto_work_optimum_example(tmp_path):
    text = _run("otto_work_optimum.py", tmp_path)
    assert (tmp_path / "otto_work_optimum.png").stat().st_size > 1000
    err = float(re.search(r"max relative error vs exact root: ([0-9.e+-]+)", text).group(1))
    assert err < 1e-4


@pytest.mark.slow
def test_otto_power_example(tmp_path):
    text = _run("otto_power.py", tmp_path)
    assert (tmp_path / "otto_power.png").stat().st_size > 1000
    ours = float(re.search(r"qubit: max power ([0-9.]+)", text).group(1))
    ref = float(re.search(r"closed form \+ scipy: max power ([0-9.]+)", text).group(1))
    assert ours == pytest.approx(ref, rel=1e-8)


@pytest.mark.slow
def test_optimize_collisional_example(tmp_path):
    text = _run("optimize_collisional.py", tmp_path)
    assert (tmp_path / "optimize_collisional.png").stat().st_size > 1000
    m = re.search(r"at \|c\| = ([0-9.]+) \(positivity bound ([0-9.]+)\)", text)
    assert float(m.group(1)) == pytest.approx(float(m.group(2)), rel=1e-3)
    assert float(m.group(1)) < float(m.group(2))  # inside the positivity disk
    cur = float(re.search(r"heat current ([0-9.]+) \(target", text).group(1))
    assert cur == pytest.approx(0.094, rel=1e-3)
    cos = float(re.search(r"\|cos\(grad Q, grad Sigma\)\| = ([0-9.]+)", text).group(1))
    assert cos > 0.999
