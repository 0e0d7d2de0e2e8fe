"""How fast the workbench's pages open (issue 13: at most 1 s on a 20 M-report database). Prints figures; asserts
nothing. Serves the app in process (Starlette's test client, no network) over a database with a completed run:

    .venv/bin/python benchmarks/bench_app.py --db pv.duckdb
    .venv/bin/python benchmarks/bench_app.py --db bench_data/nightly-20m.duckdb --drug ALEMTUZUMAB

Each page is opened ``--repeat`` times (a fresh read-only connection each time, as in use); the median and the
slowest are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import peak_rss_gb

from pv import db  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--drug", default="ALEMTUZUMAB")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from starlette.testclient import TestClient

    from pv.app import create_app

    with db.connect(args.db, read_only=True) as con:
        n_cases = db.one(con, "select count(*) from case_report")[0]
        top = db.one(con, "select level, drug, event from signals_latest where drug = $d order by eb05 desc limit 1",
                     {"d": args.drug})
    if top is None:
        raise SystemExit(f"No signal of {args.drug} in the latest run of {args.db}: choose --drug.")
    store = Path(tempfile.mkdtemp(prefix="pv-bench-app-")) / "store.sqlite"
    client = TestClient(create_app(args.db, store))
    pages = {
        "signals list": ("/", {}),
        "signals of one drug, PT level": ("/", {"drug": args.drug, "level": "pt"}),
        "signals sorted by a, unlabelled": ("/", {"sort": "a", "labelled": "no"}),
        "signal page (2x2, stats, time to signal, 500 cases)": ("/signal", dict(zip(("level", "drug", "event"), top,
                                                                                     strict=True))),
        "CSV export of one drug": ("/signals.csv", {"drug": args.drug}),
        "runs": ("/runs", {}),
        "data quality": ("/quality", {}),
    }
    print(f"{args.db}: {n_cases:,} cases; {args.repeat} opens per page")
    for name, (path, params) in pages.items():
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            response = client.get(path, params=params)
            times.append(time.perf_counter() - t)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
        print(f"  {name:<55} median {statistics.median(times) * 1000:7.0f} ms   slowest {max(times) * 1000:7.0f} ms")
    print(f"peak memory {peak_rss_gb():.2f} GB")


if __name__ == "__main__":
    main()
