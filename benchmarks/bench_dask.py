"""Counting on one node against a local Dask cluster of 2 worker processes with 1, 2, 4 and 8 shards (issue 14),
on the same synthetic data. Prints time, Parquet bytes per shard and the parts' rows, to check docs/dask.md's
cost model; asserts nothing (tests/test_sharded.py checks the results are equal).

    .venv/bin/python benchmarks/bench_dask.py --reports 1000000 --db bench_data/dask-1m.duckdb
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from _common import peak_rss_gb, synthetic_quarters

from pv import db, meddra, standardize  # noqa: E402
from pv.ingest import ingest_path  # noqa: E402
from pv.meddra import invented  # noqa: E402
from pv.signals import ScoreSettings, count_pairs, prepare  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--quarters", type=int, default=3)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    if args.db and args.db.exists():
        con = db.connect(args.db)
    else:
        data = synthetic_quarters(args.reports, args.quarters, 4000, 12000)
        work = Path(tempfile.mkdtemp(prefix="pv-bench-dask-"))
        con = db.connect(args.db or work / "dask.duckdb", create=True)
        ingest_path(con, data)
        meddra.load(con, invented.write(work / "meddra", extra_events=12000))
        standardize.build(con)
    settings = ScoreSettings(stratified=True)
    prepared = prepare(con, settings)
    t = time.perf_counter()
    one = count_pairs(con, settings, prepared)
    print(f"one node (DuckDB): {time.perf_counter() - t:.1f} s, {len(one):,} rows, "
          f"{int(one['n_total'].iloc[0]):,} reports", flush=True)

    for shards in (1, 2, 4, 8):
        shard_path = Path(tempfile.mkdtemp(prefix="pv-bench-shards-"))
        cluster = {"local_workers": args.workers, "shards": shards, "shard_path": str(shard_path)}
        t = time.perf_counter()
        many = count_pairs(con, ScoreSettings(stratified=True, engine="dask", cluster=cluster), prepared)
        seconds = time.perf_counter() - t
        per_shard = [sum(f.stat().st_size for f in shard_path.glob(f"*/shard={i}/*.parquet")) for i in range(shards)]
        parts = db.one(con, "select count(*) from all_part_pair")[0]
        same = len(many) == len(one) and bool((many["a"].to_numpy() == one["a"].to_numpy()).all())
        print(f"dask, {args.workers} workers, {shards} shard(s): {seconds:.1f} s; Parquet per shard "
              f"{max(per_shard) / 1e6:.1f} MB; parts' pair rows summed centrally {parts:,} "
              f"({parts / len(one):.2f} per final row); same counts: {same}", flush=True)
        shutil.rmtree(shard_path, ignore_errors=True)
    print(f"peak memory (this process) {peak_rss_gb():.2f} GB")


if __name__ == "__main__":
    main()
