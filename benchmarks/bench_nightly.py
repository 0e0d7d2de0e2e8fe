"""A nightly run that adds one FAERS-sized quarter (400,000 reports) to a database holding ~20 M reports.
Prints figures; asserts nothing. Target (issue 5): <= 10 min on 2 cores, not counting the initial load.

    .venv/bin/python benchmarks/bench_nightly.py --base /tmp/bench20m.duckdb

--base is a database made by `bench_ingest.py --reports 20000000 --quarters 50 --db ...` (raw and standardized
layers loaded); it is copied first, so it can be reused.
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
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pv-nightly-"))
    inbox = work / "inbox"
    t = time.perf_counter()
    synth.write_quarters(inbox, 400_000, 1, start=args.quarter, seed=99, first_caseid=90_000_000)
    print(f"new quarter generated in {time.perf_counter() - t:.1f} s")
    db = work / "pv.duckdb"
    t = time.perf_counter()
    shutil.copyfile(args.base, db)
    print(f"copied the base database in {time.perf_counter() - t:.1f} s")
    (work / "pv.toml").write_text(f'inbox = "{inbox}"\ndatabase = "{db}"\nreports_dir = "{work / "reports"}"\n'
                                  'drugs_of_interest = ["ALEMTUZUMAB"]\n')
    from flows.nightly import nightly_signal_run

    t = time.perf_counter()
    result = nightly_signal_run(config=str(work / "pv.toml"))
    elapsed = time.perf_counter() - t
    print(f"nightly run: {elapsed:.1f} s ({elapsed / 60:.1f} min); loaded {result['loaded']}; "
          f"{result['n_signals']:,} signals; steps (s) {result['step_seconds']}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.1f} GB")


if __name__ == "__main__":
    main()
