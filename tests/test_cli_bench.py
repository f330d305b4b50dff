"""``jaxthermo bench``: runs scripts with --quick passthrough, rebuilds the README table."""

import json
import textwrap

import pytest

from jaxthermo import cli
from jaxthermo.cli_bench import default_dir, load_results, make_table, write_readme

FAKE = textwrap.dedent('''
    """Fake benchmark: writes a result following the convention."""
    import json, sys
    from pathlib import Path
    quick = "--quick" in sys.argv
    rows = [{"n": 2, "jaxthermo_s": 0.5, "qutip_s": 2.0, "speedup_vs_qutip": 4.0,
             "max_abs_diff": 1e-12}]
    out = {"benchmark": "fake", "device": "cpu", "platform": "cpu", "quick": quick, "rows": rows}
    p = Path(__file__).parent / "results" / "fake.json"
    p.parent.mkdir(exist_ok=True)
    p.write_text(json.dumps(out))
''')


@pytest.fixture
def bench_dir(tmp_path):
    d = tmp_path / "benchmarks"
    d.mkdir()
    (d / "bench_fake.py").write_text(FAKE)
    (d / "bench_broken.py").write_text('"""Broken."""\nraise SystemExit(3)\n')
    (d / "README.md").write_text("# Benchmarks\n\nintro\n\n<!-- BENCH-TABLE:START -->\nold\n"
                                 "<!-- BENCH-TABLE:END -->\n\nfooter\n")
    return d


def test_bench_runs_scripts_quick_and_rebuilds_table(bench_dir, capsys):
    rc = cli.main(["bench", "--dir", str(bench_dir), "--quick", "--only", "fake"])
    assert rc == 0
    res = json.loads((bench_dir / "results" / "fake.json").read_text())
    assert res["quick"] is True  # --quick was passed through
    text = (bench_dir / "README.md").read_text()
    assert "old" not in text and text.startswith("# Benchmarks") and text.rstrip().endswith("footer")
    assert "| fake | cpu | cpu | quick | 1 | qutip: 4x |" in text
    assert "| n | jaxthermo_s | qutip_s | speedup_vs_qutip | max_abs_diff |" in text


def test_bench_failures_and_errors(bench_dir, capsys):
    assert cli.main(["bench", "--dir", str(bench_dir)]) == 1
    assert "failed: ['broken']" in capsys.readouterr().err
    assert cli.main(["bench", "--dir", str(bench_dir), "--only", "nope"]) == 2
    assert "unknown benchmark(s) ['nope']" in capsys.readouterr().err
    assert cli.main(["bench", "--dir", str(bench_dir / "missing")]) == 2
    assert cli.main(["bench", "--dir", str(bench_dir), "--list"]) == 0
    assert "Fake benchmark" in capsys.readouterr().out


def test_make_table_copes_with_any_results(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({
        "benchmark": "a", "device": "NVIDIA H100", "platform": "gpu", "quick": False,
        "rows": [{"d": 4, "jaxthermo_s": 1e-4, "dynamiqs_s": 0.2, "speedup_vs_dynamiqs": 2000.0},
                 {"d": 8, "jaxthermo_s": 0.01, "extra": "x"}]}))
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "norows.json").write_text(json.dumps({"benchmark": "z"}))
    msgs = []
    res = load_results(tmp_path, echo=msgs.append)
    assert [r["benchmark"] for r in res] == ["a"] and len(msgs) == 2
    table = make_table(res)
    assert "| a | NVIDIA H100 | gpu | full | 2 | dynamiqs: 2e+03x |" in table
    assert "| d | extra | jaxthermo_s | dynamiqs_s | speedup_vs_dynamiqs |" in table
    assert "| 8 | x | 0.01 |  |  |" in table
    assert "No benchmark results" in make_table([])
    p = tmp_path / "README.md"
    write_readme(p, table)
    write_readme(p, "second\n")
    assert p.read_text().count("BENCH-TABLE:START") == 1 and "second" in p.read_text()


def test_repository_benchmarks_folder_is_found():
    d = default_dir()
    assert (d / "bench_sweep.py").exists() and (d / "README.md").exists()
