"""Counting (and with --score, scoring) on one node against a local Dask cluster, on the same data (issue 14).
Prints time, peak memory, Parquet bytes per shard and the parts' rows, to check docs/dask.md's cost model; asserts
nothing (tests/test_sharded.py checks that the results are equal; here "same" compares every count and E).

    .venv/bin/python benchmarks/bench_dask.py --reports 1000000 --db bench_data/dask-1m.duckdb
    .venv/bin/python benchmarks/bench_dask.py --db bench_data/levels-20m.duckdb --run --shards ""
    PV_MEMORY_LIMIT=5GiB .venv/bin/python benchmarks/bench_dask.py --db bench_data/levels-20m.duckdb \
        --score --shards 2 --workers 2

--run times the path `pv score` takes on one node (pv.signals.score: counting, then each level fitted and scored
a slice at a time into drug_event_score, one transaction) with its peak memory, instead of --score's in-memory
statistics. Peak memory: this process (the reduction and the statistics) and the largest worker process (its DuckDB over one
shard at a time). PV_MEMORY_LIMIT caps DuckDB in this process and in each worker; without it, a worker's DuckDB
takes 60 % of its Dask memory limit.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from _common import peak_rss_gb, synthetic_quarters

from pv import db, meddra, standardize  # noqa: E402
from pv.ingest import ingest_path  # noqa: E402
from pv.levels import LEVELS  # noqa: E402
from pv.meddra import invented  # noqa: E402
from pv.signals import ScoreSettings, count_pairs, prepare, score, score_counts  # noqa: E402


class MemorySampler:
    """The largest resident memory of this process and of its largest child process (the local cluster's
    workers), sampled every 0.2 s while in use (ru_maxrss cannot tell: a child started by fork + exec is charged
    the parent's memory at the fork)."""

    def __enter__(self):
        import psutil

        self.me, self.top_self, self.top_child, self._stop = psutil.Process(), 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        import psutil

        while not self._stop.wait(0.2):
            try:
                self.top_self = max(self.top_self, self.me.memory_info().rss)
                for child in self.me.children(recursive=True):
                    self.top_child = max(self.top_child, child.memory_info().rss)
            except psutil.Error:
                pass

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def same(one, many) -> bool:
    """Every count equal and E equal to 1e-12 (relative), row for row (both are ordered by level, drug, event)."""
    if len(one) != len(many):
        return False
    for col in ("a", "b", "c", "d", "n_total"):
        if not (one[col].to_numpy() == many[col].to_numpy()).all():
            return False
    for col in ("level", "drug", "event"):
        if not (one[col].to_numpy() == many[col].to_numpy()).all():
            return False
    e1, e2 = (np.asarray(x["expected_stratified"], dtype=float) for x in (one, many))
    return bool(np.allclose(e1, e2, rtol=1e-12, atol=0, equal_nan=True))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--quarters", type=int, default=3)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shards", default="1,2,4,8", help="comma-separated shard counts to measure")
    ap.add_argument("--levels", default=",".join(LEVELS))
    ap.add_argument("--score", action="store_true", help="also time the statistics on the counts")
    ap.add_argument("--no-stratified", action="store_true")
    ap.add_argument("--run", action="store_true", help="also time pv.signals.score (counts, scores written)")
    args = ap.parse_args()

    if args.db and args.db.exists():
        con = db.connect(args.db)
        n_cases = db.one(con, "select count(*) from case_report")[0]
        print(f"reusing {args.db}: {n_cases:,} cases", flush=True)
    else:
        data = synthetic_quarters(args.reports, args.quarters, 4000, 12000)
        work = Path(tempfile.mkdtemp(prefix="pv-bench-dask-"))
        con = db.connect(args.db or work / "dask.duckdb", create=True)
        ingest_path(con, data)
        meddra.load(con, invented.write(work / "meddra", extra_events=12000))
        standardize.build(con)
    levels = tuple(args.levels.split(","))
    stratified = not args.no_stratified
    settings = ScoreSettings(stratified=stratified, levels=levels)
    if args.run:
        with MemorySampler() as memory:
            t = time.perf_counter()
            result = score(con, settings)
            took = time.perf_counter() - t
        print(f"pv.signals.score, one node: {took:.1f} s for {sum(result.n_pairs.values()):,} pairs of "
              f"{result.n_reports:,} reports ({', '.join(f'{k} {v:,}' for k, v in result.n_pairs.items())}); "
              f"peak memory of this process {memory.top_self / 2**30:.2f} GB", flush=True)
    prepared = prepare(con, settings)

    def run(settings, label):
        t = time.perf_counter()
        counts = count_pairs(con, settings, prepared)
        counted = time.perf_counter() - t
        line = f"{label}: counting {counted:.1f} s"
        if args.score:
            t = time.perf_counter()
            score_counts(counts, settings)
            scored = time.perf_counter() - t
            line += f", statistics + MGPS {scored:.1f} s, total {counted + scored:.1f} s"
        return counts, line

    one, line = run(settings, "one node (DuckDB)")
    print(f"{line}; {len(one):,} rows, {int(one['n_total'].iloc[0]):,} reports; peak memory of this process "
          f"{peak_rss_gb():.2f} GB", flush=True)
    for shards in (int(s) for s in args.shards.split(",") if s):
        shard_path = Path(tempfile.mkdtemp(prefix="pv-shards-", dir=args.db.parent if args.db else None))
        cluster = {"local_workers": args.workers, "shards": shards, "shard_path": str(shard_path)}
        with MemorySampler() as memory:
            many, line = run(ScoreSettings(stratified=stratified, levels=levels, engine="dask", cluster=cluster),
                             f"dask, {args.workers} workers, {shards} shard(s)")
        per_shard = [sum(f.stat().st_size for f in shard_path.glob(f"*/shard={i}/*.parquet")) for i in range(shards)]
        parts = db.one(con, "select count(*) from all_part_pair")[0]
        print(f"{line}; Parquet per shard {max(per_shard) / 1e6:.1f} MB; parts' pair rows summed centrally "
              f"{parts:,} ({parts / len(many):.2f} per final row); same counts and E as one node: {same(one, many)}; "
              f"peak memory: this process {memory.top_self / 2**30:.2f} GB, largest worker "
              f"{memory.top_child / 2**30:.2f} GB",
              flush=True)
        shutil.rmtree(shard_path, ignore_errors=True)


if __name__ == "__main__":
    main()
