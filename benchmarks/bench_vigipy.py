"""The statistics core against vigipy 3.5.1, side by side in one process. Prints figures; asserts nothing.

The table of issue 15: 50,000 synthetic reports with Zipf-distributed drugs and events (about 3 of each a report),
counted as unique reports (~145,000 drug-event pairs). Timed: `pv.stats.disproportionality` (PRR, ROR, chi2, IC,
BCPNN and the MGPS fit with EBGM, EB05, EB95) against vigipy's `prr`, `ror`, `bcpnn` and `gps` on the same pairs.
Target: pv >= 20x vigipy. vigipy is installed for this benchmark only, in its own environment:

    python3 -m venv .venv-vigipy && .venv/bin/uv pip install --python .venv-vigipy/bin/python vigipy==3.5.1
    .venv-vigipy/bin/python benchmarks/bench_vigipy.py

pv.stats needs only numpy, scipy and pandas, which vigipy brings. Without vigipy the script times pv alone.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import ROOT  # noqa: F401 (puts the repository on sys.path)

from pv.stats import disproportionality  # noqa: E402


def zipf_table(reports: int = 50_000, seed: int = 1) -> pd.DataFrame:
    """Unique-report 2x2 tables (a, b, c, d) of every drug-event pair of ``reports`` synthetic reports."""
    rng = np.random.default_rng(seed)
    n_drugs, n_events = rng.poisson(2, reports) + 1, rng.poisson(2, reports) + 1
    drug_case = np.repeat(np.arange(reports), n_drugs)
    event_case = np.repeat(np.arange(reports), n_events)
    drugs = pd.DataFrame({"case": drug_case, "drug": np.minimum(rng.zipf(1.15, drug_case.size), 50000)}).drop_duplicates()
    events = pd.DataFrame({"case": event_case, "event": np.minimum(rng.zipf(1.15, event_case.size), 50000)}
                          ).drop_duplicates()
    pairs = drugs.merge(events, on="case").groupby(["drug", "event"]).size().rename("a").reset_index()
    n_drug = drugs.groupby("drug").size().rename("n_drug")
    n_event = events.groupby("event").size().rename("n_event")
    pairs = pairs.join(n_drug, on="drug").join(n_event, on="event")
    pairs["b"] = pairs["n_drug"] - pairs["a"]
    pairs["c"] = pairs["n_event"] - pairs["a"]
    pairs["d"] = reports - pairs["a"] - pairs["b"] - pairs["c"]
    return pairs[["drug", "event", "a", "b", "c", "d"]]


def time_pv(table: pd.DataFrame, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        disproportionality(table)
        best = min(best, time.perf_counter() - t)
    return best


def time_vigipy(table: pd.DataFrame) -> float | None:
    try:
        import vigipy
    except ImportError:
        return None
    container = vigipy.convert(table.rename(columns={"drug": "name", "event": "AE", "a": "count"})[
        ["name", "AE", "count"]].astype({"name": str, "AE": str}))
    t = time.perf_counter()
    vigipy.prr(container)
    vigipy.ror(container)
    vigipy.bcpnn(container)
    vigipy.gps(container)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    table = zipf_table(args.reports)
    print(f"table: {len(table):,} drug-event pairs from {args.reports:,} reports")
    result = disproportionality(table)
    prior = result.attrs.get("mgps_prior")
    pv_s = time_pv(table, args.repeat)
    print(f"pv.stats.disproportionality: {pv_s:.2f} s (best of {args.repeat})"
          + (f"; MGPS -log L {prior.nll:.4f}, {prior.n_agreeing} of {len(prior.starts)} starts agree, {prior.method}"
             if prior is not None else ""))
    vigi_s = time_vigipy(table)
    if vigi_s is None:
        print("vigipy is not installed here (see the module docstring); pv alone was timed.")
    else:
        print(f"vigipy prr + ror + bcpnn + gps: {vigi_s:.2f} s; pv is {vigi_s / pv_s:.1f}x vigipy")


if __name__ == "__main__":
    main()
