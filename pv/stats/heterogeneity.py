"""Heterogeneity of the reporting odds ratio between subgroups: Woolf's test, and the ratio of two RORs.

For a drug–event pair split into K subgroups (sex, age band), each with its own 2×2 table (a_k, b_k, c_k, d_k),
Woolf's test asks whether the K odds ratios could be one::

    ln ROR_k = ln(a_k d_k / b_k c_k),   w_k = 1 / (1/a_k + 1/b_k + 1/c_k + 1/d_k)
    ln ROR_w = Σ w_k ln ROR_k / Σ w_k
    Q = Σ w_k (ln ROR_k − ln ROR_w)²  ~  χ²(K − 1) under homogeneity

A subgroup table with a zero cell is Haldane-corrected (0.5 added to every cell), as the ror025 criterion does.
Subgroups where the drug or the event is never reported (a + b = 0 or a + c = 0) carry no information and are
left out; a pair with fewer than two informative subgroups gets nan. For two subgroups, the ratio of their RORs
with its Wald interval, exp(ln ROR_1 − ln ROR_2 ± z·√(v_1 + v_2)), says how far apart they are.

References
----------
1. Woolf B (1955). On estimating the relation between blood group and disease. Ann Hum Genet 19:251-253.
2. Altman DG, Bland JM (2003). Interaction revisited: the difference between two estimates. BMJ 326:219.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from pv.stats.disproportionality import Z_975


def woolf_test(tables: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per group of ``by`` (e.g. level, drug, event, subgroup_kind): ``n_subgroups`` (informative ones),
    ``q``, ``df``, ``p_value``. ``tables`` holds one 2×2 table per row (columns a, b, c, d) and the ``by`` columns."""
    t = tables[(tables["a"] + tables["b"] > 0) & (tables["a"] + tables["c"] > 0)].copy()
    cells = t[["a", "b", "c", "d"]].to_numpy(dtype=float)
    cells = np.where((cells == 0).any(axis=1, keepdims=True), cells + 0.5, cells)
    a, b, c, d = cells.T
    t["log_ror"] = np.log(a) + np.log(d) - np.log(b) - np.log(c)
    t["w"] = 1.0 / (1 / a + 1 / b + 1 / c + 1 / d)
    t["w_log_ror"] = t["w"] * t["log_ror"]
    g = t.groupby(by, sort=False)
    pooled = (g["w_log_ror"].transform("sum") / g["w"].transform("sum")).to_numpy()
    t["q_part"] = t["w"] * (t["log_ror"] - pooled) ** 2
    out = g.agg(n_subgroups=("w", "size"), q=("q_part", "sum")).reset_index()
    out["df"] = out["n_subgroups"] - 1
    with np.errstate(invalid="ignore"):
        out["p_value"] = np.where(out["df"] >= 1, chi2.sf(out["q"], out["df"].clip(lower=1)), np.nan)
    out.loc[out["df"] < 1, "q"] = np.nan
    return out


def ror_ratio(a1, b1, c1, d1, a2, b2, c2, d2, *, z: float = Z_975):
    """ROR_1 / ROR_2 with its Wald interval (Haldane-corrected tables where a cell is zero): (ratio, lower, upper).

    Example: ROR_1 = (20·980)/(80·20) = 12.25 and ROR_2 = (10·990)/(90·10) = 11 give a ratio of 1.11."""
    def log_and_var(a, b, c, d):
        cells = np.array([a, b, c, d], dtype=float)
        cells = np.where((cells == 0).any(axis=0), cells + 0.5, cells)
        a, b, c, d = cells
        return np.log(a) + np.log(d) - np.log(b) - np.log(c), 1 / a + 1 / b + 1 / c + 1 / d

    l1, v1 = log_and_var(a1, b1, c1, d1)
    l2, v2 = log_and_var(a2, b2, c2, d2)
    se = np.sqrt(v1 + v2)
    return np.exp(l1 - l2), np.exp(l1 - l2 - z * se), np.exp(l1 - l2 + z * se)
