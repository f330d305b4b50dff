"""Rebuild the results table of ``benchmarks/README.md`` from ``benchmarks/results/*.json``.

    python benchmarks/make_table.py

Copes with whichever result files exist (columns are the union of each benchmark's row keys).
The logic lives in ``jaxthermo.cli_bench`` (also used by ``jaxthermo bench``).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jaxthermo.cli_bench import rebuild_table  # noqa: E402

if __name__ == "__main__":
    print(f"table written to {rebuild_table(Path(__file__).resolve().parent)}")
