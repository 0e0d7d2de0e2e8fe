"""All statistics for a table of 2×2 counts in one call (no Python loop over pairs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pv.errors import PvError
from pv.stats.disproportionality import chi2_yates, expected_count, prr, ror, ror_lower_judged
from pv.stats.ic import bcpnn_ic, ic_noren
from pv.stats.mgps import MGPSPrior, ebgm_scores, fit_mgps, unique_pairs

SCORE_COLUMNS = ["n", "expected", "prr", "prr_lower", "prr_upper", "ror", "ror_lower", "ror_upper", "ror_lower_judged",
                 "is_haldane", "chi2_yates", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95", "ic_bcpnn", "ic025_bcpnn"]


def disproportionality(
    counts: pd.DataFrame,
    *,
    prior: MGPSPrior | None = None,
    continuity_correction: float = 0.0,
    mgps: bool = True,
    copy: bool = True,
) -> pd.DataFrame:
    """Return ``counts`` with every statistic added.

    ``counts`` has integer columns ``a, b, c, d`` (other columns pass through). A column ``expected`` (for
    instance a stratified E) is used for IC and EBGM when present; otherwise E = (a+b)(a+c)/N. The MGPS prior
    is fitted on these pairs unless ``prior`` is given; ``mgps=False`` skips EBGM (the columns are NaN).
    ``continuity_correction`` applies to PRR and ROR only (see :mod:`pv.stats.disproportionality`).
    ``copy=False`` adds the columns to ``counts`` itself (a frame the caller owns), which saves a copy of it.
    """
    missing = [c for c in ("a", "b", "c", "d") if c not in counts.columns]
    if missing:
        raise PvError(f"disproportionality: counts needs integer columns a, b, c, d; missing {', '.join(missing)}.")
    a, b, c, d = (counts[k].to_numpy(dtype=float) for k in ("a", "b", "c", "d"))
    if np.any(np.isnan(np.r_[a, b, c, d])) or np.any(np.r_[a, b, c, d] < 0):
        raise PvError("disproportionality: a, b, c, d must be non-negative counts without missing values.")
    out = counts.copy() if copy else counts
    out["n"] = a + b + c + d
    expected = counts["expected"].to_numpy(dtype=float) if "expected" in counts.columns else expected_count(a, b, c, d)
    out["expected"] = expected
    out["prr"], out["prr_lower"], out["prr_upper"] = prr(a, b, c, d, continuity_correction=continuity_correction)
    out["ror"], out["ror_lower"], out["ror_upper"] = ror(a, b, c, d, continuity_correction=continuity_correction)
    out["ror_lower_judged"], out["is_haldane"] = ror_lower_judged(
        a, b, c, d, wald_lower=out["ror_lower"].to_numpy() if continuity_correction == 0 else None)
    out["chi2_yates"] = chi2_yates(a, b, c, d)
    out["ic"], out["ic025"], out["ic975"] = ic_noren(a, expected)
    out["ic_bcpnn"], out["ic025_bcpnn"] = bcpnn_ic(a, b, c, d)
    if mgps and len(out):
        distinct = unique_pairs(a, expected)     # the fit and the scores depend on the distinct (a, E) only
        prior = prior or fit_mgps(a, expected, distinct=distinct)
        out["ebgm"], out["eb05"], out["eb95"] = ebgm_scores(prior, a, expected, distinct=distinct)
    else:
        out["ebgm"] = out["eb05"] = out["eb95"] = np.nan
    out.attrs["mgps_prior"] = prior
    return out
