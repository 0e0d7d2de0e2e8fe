"""A nightly run that adds one FAERS-sized quarter (400,000 reports) to a database holding ~20 M reports.
Prints figures; asserts nothing. Target (issue 5): <= 10 min on 2 cores, not counting the initial load.

    .venv/bin/python benchmarks/bench_nightly.py --base /tmp/bench20m.duckdb
    .venv/bin/python benchmarks/bench_nightly.py --base /tmp/bench20m.duckdb --nights 2

--nights N runs N nights in a row on the same copy, each adding the next quarter (with follow-ups and deletions
of the one before): the first night on a database counts time to signal in full, a later one starts from the
checkpoint the night before kept (pv.signals.asof_checkpoint), as a nightly schedule does.

--base is a database made by `bench_ingest.py --reports 20000000 --quarters 50 --db ...` (raw and standardized
layers loaded); it is copied first, so it can be reused. The new quarter is generated like FAERS's: mostly new
cases, plus follow-up versions of 10 % of the previous quarter's cases and a deleted-case list (--follow-up-of, the
base's last quarter zip; default bench_data/20000000x50's). If the base's standardized layer was built by an older
pv (no standardize_build record), it is rebuilt first, outside the timing, as the initial load would have done.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from pv import synth  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--quarter", default="2025Q3")
    ap.add_argument("--follow-up-of", type=Path,
                    default=ROOT / "bench_data" / "20000000x50" / "faers_ascii_2025q2.zip")
    ap.add_argument("--nights", type=int, default=1)
    ap.add_argument("--reports", type=int, default=400_000, help="reports in each new quarter")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pv-nightly-"))
    db = work / "pv.duckdb"
    t = time.perf_counter()
    shutil.copyfile(args.base, db)
    print(f"copied the base database in {time.perf_counter() - t:.1f} s")
    from pv import db as pv_db
    from pv import standardize

    with pv_db.connect(db, create=True) as con:
        if standardize.plan(con).mode != "current":
            t = time.perf_counter()
            standardize.build(con, full=True)
            print(f"base's standardized layer rebuilt by this pv in {time.perf_counter() - t:.1f} s (not counted)")
    from flows.nightly import nightly_signal_run

    follow_up_of = args.follow_up_of if args.follow_up_of and args.follow_up_of.exists() else None
    quarter = args.quarter
    for night in range(args.nights):
        inbox = work / f"inbox{night}"
        t = time.perf_counter()
        written = synth.write_quarters(inbox, args.reports, 1, start=quarter, seed=99 + night,
                                       first_caseid=90_000_000 + night * 5_000_000, follow_up_of=follow_up_of)
        print(f"night {night + 1}: new quarter {quarter} generated in {time.perf_counter() - t:.1f} s"
              f"{' (with follow-ups of ' + follow_up_of.name + ')' if follow_up_of else ' (no follow-ups)'}")
        (work / "pv.toml").write_text(f'inbox = "{inbox}"\ndatabase = "{db}"\nreports_dir = "{work / "reports"}"\n'
                                      'drugs_of_interest = ["ALEMTUZUMAB"]\n')
        t = time.perf_counter()
        result = nightly_signal_run(config=str(work / "pv.toml"))
        elapsed = time.perf_counter() - t
        print(f"night {night + 1}: nightly run {elapsed:.1f} s ({elapsed / 60:.1f} min); loaded {result['loaded']}; "
              f"{result['n_signals']:,} signals; steps (s) {result['step_seconds']}; peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.1f} GB", flush=True)
        follow_up_of = written[-1]
        year, q = int(quarter[:4]), int(quarter[-1])
        quarter = f"{year + q // 4}Q{q % 4 + 1}"


if __name__ == "__main__":
    main()
