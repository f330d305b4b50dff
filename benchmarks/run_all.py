"""Run every ``benchmarks/bench_*.py`` and rebuild the table (same as ``jaxthermo bench``).

    python benchmarks/run_all.py [--quick] [--only NAME ...] [--device cpu|gpu|auto]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jaxthermo.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["bench", "--dir", str(Path(__file__).resolve().parent), *sys.argv[1:]]))
