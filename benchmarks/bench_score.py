"""Counting + all statistics (incl. the MGPS fit and EB05/EB95) at FAERS scale. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_score.py --reports 1000000            # target: <= 15 s, ~1.5 M pairs
    .venv/bin/python benchmarks/bench_score.py --reports 20000000 --quarters 50   # target: <= 5 min, <= 8 GB

The synthetic data get a long tail of made-up drugs and PTs (``--extra-drugs``, ``--extra-pts``) so that the
number of distinct pairs is FAERS-like. Ingest and standardize are timed separately (bench_ingest.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import peak_rss_gb, synthetic_quarters

from pv import db, standardize  # noqa: E402
from pv.ingest import ingest_path  # noqa: E402
from pv.signals import ScoreSettings, count_pairs, score_counts  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--quarters", type=int, default=3)
    ap.add_argument("--extra-drugs", type=int, default=4000)
    ap.add_argument("--extra-pts", type=int, default=12000)
    ap.add_argument("--db", type=Path, default=None, help="reuse a database that is already standardized")
    args = ap.parse_args()

    if args.db and args.db.exists():
        con = db.connect(args.db, create=True)
    else:
        data = synthetic_quarters(args.reports, args.quarters, args.extra_drugs, args.extra_pts)
        con = db.connect(args.db or Path(tempfile.mkdtemp(prefix="pv-bench-")) / "score.duckdb", create=True)
        t = time.perf_counter()
        ingest_path(con, data)
        standardize.build(con)
        print(f"ingest + standardize (not part of the target): {time.perf_counter() - t:.1f} s")

    settings = ScoreSettings()
    t0 = time.perf_counter()
    counts = count_pairs(con, settings)
    t_count = time.perf_counter() - t0
    t1 = time.perf_counter()
    timings = {}

    def say(msg: str) -> None:
        timings[msg] = time.perf_counter()
        print("  ", f"{time.perf_counter() - t1:6.1f} s", msg, flush=True)

    scores, priors = score_counts(counts, settings, say)
    t_stats = time.perf_counter() - t1
    n_reports = int(counts["n_total"].iloc[0])
    by_level = counts.groupby("level").size().to_dict()
    print(f"reports {n_reports:,}; pairs {by_level}")
    print(f"counting (SQL):        {t_count:7.1f} s")
    print(f"statistics + MGPS:     {t_stats:7.1f} s   (prior: {priors['pt']['method']}, "
          f"{priors['pt']['n_points']:,} points, {priors['pt']['n_agreeing']} of {len(priors['pt']['starts'])} starts agree)")
    print(f"total:                 {t_count + t_stats:7.1f} s   peak RSS {peak_rss_gb():.2f} GB")
    print(f"signals (PT level): evans {int(scores['meets_evans'].sum()):,}, eb05 {int(scores['meets_eb05'].sum()):,}")


if __name__ == "__main__":
    main()
