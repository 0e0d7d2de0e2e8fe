"""Ingest + standardize at FAERS scale: seconds and peak memory. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_ingest.py --reports 400000              # one FAERS-sized quarter
    .venv/bin/python benchmarks/bench_ingest.py --reports 20000000 --quarters 50   # all of FAERS

Data is generated once by `pv synth` into bench_data/<reports>x<quarters>/ and reused. Targets (issue 2):
one quarter of 400,000 reports ingested and standardized in <= 60 s with peak memory <= 4 GB; 20 M reports in
<= 30 min. Issue 15 asks for ingest + standardize within 4x a bare scan of the same files: `--bare` also times
DuckDB's `read_csv` of the extracted files (every column as text, no quoting) into a database file and into memory,
and prints both ratios.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
from _common import ROOT, peak_rss_gb

from pv import db, standardize, synth  # noqa: E402
from pv.ingest.faers import ingest_quarters  # noqa: E402
from pv.ingest.sources import discover  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=400_000)
    ap.add_argument("--quarters", type=int, default=1)
    ap.add_argument("--start", default="2013Q1")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--bare", action="store_true", help="also time a bare DuckDB scan of the same files")
    args = ap.parse_args()

    data = args.data or ROOT / "bench_data" / f"{args.reports}x{args.quarters}"
    if not (data.exists() and len(list(data.glob("*.zip"))) == args.quarters):
        t = time.perf_counter()
        synth.write_quarters(data, args.reports, args.quarters, start=args.start,
                             progress=lambda m: print("  synth:", m, flush=True))
        print(f"generated {args.reports:,} reports in {args.quarters} quarter(s) in {time.perf_counter() - t:.1f} s")
    size = sum(p.stat().st_size for p in data.glob("*.zip"))
    print(f"data: {data} ({size / 1e6:.0f} MB zipped)")

    tmp = tempfile.mkdtemp(prefix="pv-bench-")
    db_path = args.db or Path(tmp) / "bench.duckdb"
    con = db.connect(db_path, create=True)
    t0 = time.perf_counter()
    rows = 0
    tq = t0
    for r in ingest_quarters(con, discover(data)):   # as `pv ingest FOLDER`: the next quarter is read ahead
        rows += sum(r.rows.values())
        print(f"  {r.quarter}: {sum(r.rows.values()):,} rows in {time.perf_counter() - tq:.1f} s "
              f"(peak RSS {peak_rss_gb():.2f} GB)", flush=True)
        tq = time.perf_counter()
    t_ingest = time.perf_counter() - t0
    t1 = time.perf_counter()
    counts = standardize.build(con)
    t_std = time.perf_counter() - t1
    con.close()
    print(f"ingest:      {t_ingest:8.1f} s  ({rows:,} raw rows, {rows / t_ingest:,.0f} rows/s)")
    print(f"standardize: {t_std:8.1f} s  ({counts['case_report']:,} cases, {counts['case_drug']:,} drug rows, "
          f"{counts['case_event']:,} event rows)")
    print(f"total:       {t_ingest + t_std:8.1f} s   peak RSS {peak_rss_gb():.2f} GB   "
          f"db {os.path.getsize(db_path) / 1e9:.2f} GB   cores {os.cpu_count()}")
    if args.bare:
        for target in ("file", "memory"):
            t_bare = bare_scan(data, Path(tmp), target)
            print(f"bare scan into a database {target}: {t_bare:6.1f} s   pv is {(t_ingest + t_std) / t_bare:.1f}x")


def bare_scan(data: Path, tmp: Path, target: str) -> float:
    """DuckDB's read_csv of every extracted file, all columns as text, into tables: the floor pv is compared to."""
    folder = tmp / "extracted"
    for zip_path in sorted(data.glob("*.zip")):
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(folder / zip_path.stem)
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".txt" and p.parent.name.lower() == "ascii")
    db_path = tmp / f"bare-{time.monotonic_ns()}.duckdb"
    t = time.perf_counter()
    con = duckdb.connect(str(db_path) if target == "file" else ":memory:")
    for i, path in enumerate(files):
        con.execute(f"create table t{i} as select * from read_csv($path, delim = '$', header = true, "  # noqa: S608
                    "all_varchar = true, quote = '', escape = '', null_padding = true)", {"path": str(path)})
    con.close()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
