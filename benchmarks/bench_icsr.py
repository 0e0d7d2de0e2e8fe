"""openFDA and E2B(R3) ingest at scale: reports a second and peak memory. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_icsr.py --format openfda --reports 1000000 --per-file 1000000
    .venv/bin/python benchmarks/bench_icsr.py --format e2b --reports 100000

Data is written once by `pv synth --format openfda|e2b` into bench_data/<format>-<reports>x<per-file>/ and reused.
Targets (issue 12): 1 M openFDA reports in <= 3 min, 100,000 E2B(R3) cases in <= 2 min, on 2 cores; peak memory
<= 2 GB on an openFDA file of about 1 GB unzipped (one file of 1 M synthetic reports is 0.84 GB: the synthetic
reports lack openFDA's annotation blocks).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import ROOT, peak_rss_gb

from pv import db, standardize  # noqa: E402
from pv.ingest.icsr import discover_files  # noqa: E402
from pv.ingest.icsr_parallel import ingest_icsr_files  # noqa: E402
from pv.synth.icsr import write_icsr  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--format", choices=["openfda", "e2b"], default="openfda")
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--per-file", type=int, default=None)
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--workers", type=int, default=None, help="parsing processes (default: the cores, at most 2)")
    args = ap.parse_args()

    data = ROOT / "bench_data" / f"{args.format}-{args.reports}x{args.per_file or 'default'}"
    if not (data / "PV_SYNTHETIC.txt").exists():
        t = time.perf_counter()
        write_icsr(data, args.reports, args.format, per_file=args.per_file, progress=lambda m: print("  synth:", m))
        print(f"generated {args.reports:,} reports in {time.perf_counter() - t:.1f} s")
    files = discover_files(data)
    size = sum(p.stat().st_size for p, _ in files)
    print(f"data: {data} ({len(files)} file(s), {size / 1e6:.0f} MB on disk)")
    con = db.connect(Path(tempfile.mkdtemp(prefix="pv-bench-")) / "bench.duckdb", create=True)
    t0 = time.perf_counter()
    results = ingest_icsr_files(con, files, lambda m: None, workers=args.workers, validate=not args.no_validate)
    n = sum(r.rows["report"] for r in results)
    for r in results:
        print(f"  {Path(r.source).name}: {r.rows['report']:,} reports, loaded in {r.seconds:.1f} s")
    ingest_s = time.perf_counter() - t0
    ingest_peak = peak_rss_gb()
    t1 = time.perf_counter()
    standardize.build(con)
    std_s = time.perf_counter() - t1
    print(f"ingest: {n:,} reports in {ingest_s:.1f} s ({n / ingest_s:,.0f} reports/s), peak memory {ingest_peak:.2f} GB "
          f"(largest parsing worker {children_peak_gb():.2f} GB); standardize {std_s:.1f} s, peak memory since "
          f"{peak_rss_gb():.2f} GB")


def children_peak_gb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2


if __name__ == "__main__":
    main()
