"""How reports come back: follow-up versions of earlier cases in later quarters, and the same case sent again
under a new caseid (a second reporter or manufacturer)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pv.synth.model import SENDERS, Catalogue, _quarter_days, _ymd


def follow_ups(rng, cat: Catalogue, previous: dict[str, pd.DataFrame], quarter: str, fraction: float) -> dict[str, pd.DataFrame]:
    """New versions, received in ``quarter``, of a ``fraction`` of the cases in ``previous``."""
    demo = previous["DEMO"]
    eligible = demo[demo["caseversion"].astype(int) < 9]
    chosen = eligible.sample(frac=fraction, random_state=rng.integers(1 << 31)) if len(eligible) else eligible
    old_ids = set(chosen["primaryid"].tolist())
    new_version = chosen["caseversion"].astype(int) + 1
    id_map = dict(zip(chosen["primaryid"], chosen["caseid"].astype(np.int64) * 10 + new_version, strict=True))
    q_start, q_days = _quarter_days(quarter)
    fda = _ymd(q_start + rng.integers(0, q_days, len(chosen)).astype("timedelta64[D]"))
    out: dict[str, pd.DataFrame] = {}
    for name, table in previous.items():
        rows = table[table["primaryid"].isin(old_ids)].copy()
        rows["primaryid"] = rows["primaryid"].map(id_map)
        out[name] = rows
    d = out["DEMO"].set_index(chosen.index)
    d["caseversion"] = new_version.to_numpy()
    d["i_f_code"] = "F"
    d["fda_dt"] = [x.replace("-", "") for x in fda]
    out["DEMO"] = d.reset_index(drop=True)
    # A third of follow-ups bring one more PT.
    more = out["DEMO"].sample(frac=0.33, random_state=rng.integers(1 << 31))
    extra = pd.DataFrame({"primaryid": more["primaryid"].to_numpy(), "caseid": more["caseid"].to_numpy(),
                          "pt": cat.pts[rng.choice(cat.pts.size, len(more), p=cat.pt_p)]})
    out["REAC"] = pd.concat([out["REAC"], extra]).drop_duplicates(["primaryid", "pt"])
    return out


def duplicates(rng, tables: dict[str, pd.DataFrame], fraction: float, first_caseid: int) -> dict[str, pd.DataFrame]:
    """The same reports sent again under new caseids (as by a second reporter or manufacturer)."""
    demo = tables["DEMO"]
    chosen = demo.sample(frac=fraction, random_state=rng.integers(1 << 31))
    new_case = first_caseid + np.arange(len(chosen), dtype=np.int64)
    id_map = dict(zip(chosen["primaryid"], new_case * 10 + 1, strict=True))
    case_map = dict(zip(chosen["primaryid"], new_case, strict=True))
    out = {}
    for name, table in tables.items():
        rows = table[table["primaryid"].isin(id_map)].copy()
        rows["caseid"] = rows["primaryid"].map(case_map)
        rows["primaryid"] = rows["primaryid"].map(id_map)
        out[name] = rows
    out["DEMO"]["caseversion"] = 1
    out["DEMO"]["mfr_sndr"] = rng.choice(SENDERS, len(out["DEMO"]))
    return out
