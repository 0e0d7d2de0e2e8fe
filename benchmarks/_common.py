"""Shared by the benchmark scripts: the repository root on sys.path, peak memory, and the synthetic quarters."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def synthetic_quarters(reports: int, quarters: int, extra_drugs: int, extra_pts: int) -> Path:
    """``pv synth`` quarters for a benchmark, generated once into ``bench_data/`` and reused afterwards."""
    import time

    from pv import synth

    # quarters from 2016Q1; a longer series starts earlier, so that no quarter lies in the future (the validation
    # refuses FDA receipt dates after today)
    back = max(0, quarters - 40)
    year, q = divmod(2016 * 4 - back, 4)
    start = f"{year}Q{q + 1}"
    suffix = "" if start == "2016Q1" else f"-from{start}"
    data = ROOT / "bench_data" / f"{reports}x{quarters}-v{extra_drugs}-{extra_pts}{suffix}"
    if not (data.exists() and len(list(data.glob("*.zip"))) == quarters):
        t = time.perf_counter()
        synth.write_quarters(data, reports, quarters, start=start, extra_drugs=extra_drugs, extra_pts=extra_pts,
                             progress=lambda m: print("  synth:", m, flush=True))
        print(f"generated in {time.perf_counter() - t:.1f} s")
    return data
