"""Validation of one FAERS-sized quarter (400,000 reports, ~3.5 M other rows) with Great Expectations.
Prints figures; asserts nothing. Target (issue 3): <= 60 s on 2 cores.

    .venv/bin/python benchmarks/bench_validate.py            # uses bench_data/400000x1 (made by bench_ingest.py)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pv import db, synth  # noqa: E402
from pv.ingest import ingest_path  # noqa: E402


def main() -> None:
    data = ROOT / "bench_data" / "400000x1"
    if not data.exists():
        synth.write_quarters(data, 400_000, 1, start="2013Q1")
    con = db.connect(Path(tempfile.mkdtemp(prefix="pv-bench-")) / "v.duckdb", create=True)
    t = time.perf_counter()
    (result,) = ingest_path(con, data, validate=False)
    print(f"ingest without validation: {time.perf_counter() - t:.1f} s ({sum(result.rows.values()):,} rows)")
    from pv import validate

    t = time.perf_counter()
    validate.start_loading()              # the import of GX and its context, as an ingest starts it
    validate.run_suite("raw_rpsr", validate.batch_frame(con, "raw_rpsr", {"load_id": result.load_id}).head(1))
    print(f"import great_expectations: {time.perf_counter() - t:.1f} s (once per process)")
    t = time.perf_counter()
    tables = [f"raw_{k}" for k in result.rows]
    v = validate.validate_load(con, result.load_id, tables)
    print(f"validate the quarter:      {time.perf_counter() - t:.1f} s ({v.n_rows:,} rows, "
          f"{len(v.outcomes)} expectations, {v.n_critical_rows} critical rows)")


if __name__ == "__main__":
    main()
