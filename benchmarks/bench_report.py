"""The signal report for one drug with ~200 signals, its line listings (<= 5,000 cases) and plots, HTML + PDF +
XLSX + CSV. Prints figures; asserts nothing. Target (issue 6): <= 60 s on 2 cores.

    .venv/bin/python benchmarks/bench_report.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from pv import runs, synth  # noqa: E402
from pv.config import PvConfig  # noqa: E402
from pv.ingest import ingest_path  # noqa: E402
from pv.report import build_report  # noqa: E402


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--min-a", type=int, default=3, help="the permissive criterion's minimum count (sets how many signals)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pv-report-"))
    synth.write_quarters(work / "data", 120_000, 8, start="2019Q1", extra_pts=400)
    con = duckdb.connect(str(work / "pv.duckdb"))
    ingest_path(con, work / "data")
    # a permissive criterion so that one drug has a couple of hundred signals
    cfg = PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["many"],
                   criteria={"many": {"conditions": [["a", ">=", args.min_a], ["ror", ">", 0.8]]}})
    run_id = runs.run_in_process(con, cfg)
    n = con.execute("select count(*) from signal where drug = 'ALEMTUZUMAB'").fetchall()[0][0]
    t = time.perf_counter()
    result = build_report(con, work / "report", run=run_id, drugs=["ALEMTUZUMAB"])
    elapsed = time.perf_counter() - t
    cases = sum(1 for _ in open(work / "report" / "line_listing.csv")) - 1
    pages = None
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(work / "report" / "signal_report.pdf").pages)
    except ImportError:
        pass
    print(f"signals {n}, line-listing cases {cases}, PDF pages {pages}: report written in {elapsed:.1f} s "
          f"({', '.join(p.name for p in result.files)})")


if __name__ == "__main__":
    main()
