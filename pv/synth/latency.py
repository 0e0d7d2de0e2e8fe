"""When events begin: a therapy start date for each report, from its event date and a latency drawn by the kind
of event it reports (the seed's latencies)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Times to onset as the seed describes them: infusion reactions within days of the infusion, autoimmune disease
# months to years after a course; any other event at a constant hazard.
EARLY_ONSET_PTS = {"Infusion related reaction", "Cytokine release syndrome", "Anaphylactic reaction", "Urticaria",
                   "Reversible cerebral vasoconstriction syndrome", "Ischaemic stroke",
                   "Flushing"}
LATE_ONSET_PTS = {"Basedow's disease", "Hyperthyroidism", "Hypothyroidism", "Autoimmune thyroiditis",
                  "Immune thrombocytopenia", "Anti-glomerular basement membrane disease"}


def therapy_start(demo: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Each report's therapy start (YYYYMMDD) from its event date and a latency drawn by the kind of event it
    reports; None where the event date is not a full date. A random stream of its own (keyed on the quarter's
    first report) leaves every other value the generator draws as it was."""
    n = len(demo)
    pid = demo["primaryid"].to_numpy()
    rng = np.random.default_rng([int(pid[0]) if n else 0, 77])
    case, pt = events["case"].to_numpy(), events["pt"].to_numpy()
    early, late = np.zeros(n, bool), np.zeros(n, bool)
    early[case[np.isin(pt, list(EARLY_ONSET_PTS))]] = True
    late[case[np.isin(pt, list(LATE_ONSET_PTS))]] = True
    # one event date per report (as in FAERS): a report of a late event dates from the late event
    latency = np.where(late, np.round(rng.lognormal(np.log(450), 0.6, n)),
                       np.where(early, rng.integers(0, 3, n), np.round(rng.exponential(200, n))))
    event_dt = demo["event_dt"].to_numpy()
    full = np.array([isinstance(e, str) and len(e) == 8 for e in event_dt])
    start = np.full(n, None, dtype=object)
    if full.any():
        onset = pd.to_datetime(pd.Series(event_dt[full]), format="%Y%m%d").to_numpy()
        begun = onset - latency[full].astype("timedelta64[D]")
        start[full] = pd.Series(begun).dt.strftime("%Y%m%d").to_numpy()
    return start
