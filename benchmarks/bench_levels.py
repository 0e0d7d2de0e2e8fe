"""Scoring with every MedDRA level against PT + category scoring alone, on the same database. Prints figures;
asserts nothing. Target (issue 10): all levels (pt, subcategory, category, hlt, hlgt, soc, smq_narrow, smq_broad)
at most 2x the time of pt + subcategory + category.

    .venv/bin/python benchmarks/bench_levels.py --reports 1000000
    .venv/bin/python benchmarks/bench_levels.py --reports 20000000 --quarters 50 --db bench_data/levels-20m.duckdb

With --db the database is kept, and a later run with the same --db scores it again without re-ingesting.

The events are coded with an invented MedDRA-format release (pv.meddra.invented; NOT MedDRA) that also files
pv synth's made-up tail of events under invented HLTs, 20 PTs to an HLT.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import peak_rss_gb, synthetic_quarters

from pv import db, meddra, standardize  # noqa: E402
from pv.ingest import ingest_path  # noqa: E402
from pv.meddra import invented  # noqa: E402
from pv.signals import ScoreSettings, count_pairs, prepare, score_counts  # noqa: E402


def timed_score(con, settings: ScoreSettings) -> tuple[float, float, dict]:
    t0 = time.perf_counter()
    counts = count_pairs(con, settings, prepare(con, settings))
    t_count = time.perf_counter() - t0
    t1 = time.perf_counter()
    score_counts(counts, settings)
    return t_count, time.perf_counter() - t1, counts.groupby("level").size().to_dict()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--quarters", type=int, default=3)
    ap.add_argument("--extra-drugs", type=int, default=4000)
    ap.add_argument("--extra-pts", type=int, default=12000)
    ap.add_argument("--db", type=Path, help="keep the database here; reuse it when it already exists")
    args = ap.parse_args()

    if args.db and args.db.exists():
        con = db.connect(args.db)
        n_cases = db.one(con, "select count(*) from case_report")[0]
        print(f"reusing {args.db}: {n_cases:,} cases")
    else:
        data = synthetic_quarters(args.reports, args.quarters, args.extra_drugs, args.extra_pts)
        work = Path(tempfile.mkdtemp(prefix="pv-bench-levels-"))
        con = db.connect(args.db or work / "levels.duckdb", create=True)
        t = time.perf_counter()
        ingest_path(con, data)
        meddra.load(con, invented.write(work / "meddra", extra_events=args.extra_pts))
        standardize.build(con)
        print(f"ingest + MedDRA load + standardize (not timed below): {time.perf_counter() - t:.1f} s", flush=True)

    base = ScoreSettings(levels=("pt", "subcategory", "category"))
    full = ScoreSettings()
    print("scoring (timed) ...", flush=True)
    for name, settings in (("pt + categories", base), ("all levels", full)):
        t_count, t_stats, pairs = timed_score(con, settings)
        print(f"{name:16s} counting {t_count:6.1f} s   statistics + MGPS {t_stats:6.1f} s   "
              f"total {t_count + t_stats:6.1f} s   pairs {pairs}", flush=True)
        if name == "pt + categories":
            base_total = t_count + t_stats
        else:
            print(f"ratio all levels / pt + categories: {(t_count + t_stats) / base_total:.2f}x (target <= 2x); "
                  f"peak RSS {peak_rss_gb():.2f} GB")


if __name__ == "__main__":
    main()
