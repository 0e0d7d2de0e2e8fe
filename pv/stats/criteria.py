"""Signal criteria: named presets and custom thresholds over the score columns.

A criterion is a set of conditions that must all hold; every pair records which criteria it meets.

===========  ====================================  ===================================
preset       conditions                            reference
===========  ====================================  ===================================
``evans``    prr >= 2, chi2_yates >= 4, a >= 3     Evans et al. 2001
``ror025``   ror_lower_judged > 1, a >= 3          van Puijenbroek et al. 2002
``ic025``    ic025 > 0                             Norén et al. 2013 (UMC)
``eb05``     eb05 >= 2                             Szarfman et al. 2002 (FDA)
===========  ====================================  ===================================

``ror_lower_judged`` is the ROR's lower limit, or for a table with a zero cell that of the Haldane-corrected table
(``is_haldane`` records it; see :func:`pv.stats.disproportionality.ror_lower_judged`), so a pair with b = 0 or
c = 0 is judged rather than dropped.

Custom criteria use the same form: ``{"name": [("column", ">=", value), ...]}``.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from pv.errors import PvError

Condition = tuple[str, str, float]

CRITERIA: dict[str, list[Condition]] = {
    "evans": [("prr", ">=", 2.0), ("chi2_yates", ">=", 4.0), ("a", ">=", 3)],
    "ror025": [("ror_lower_judged", ">", 1.0), ("a", ">=", 3)],
    "ic025": [("ic025", ">", 0.0)],
    "eb05": [("eb05", ">=", 2.0)],
}

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def apply_criteria(scores: pd.DataFrame, criteria: dict[str, list[Condition]] | None = None, *,
                   copy: bool = True) -> pd.DataFrame:
    """Add a boolean ``meets_<name>`` column per criterion and ``criteria_met`` (names joined by ','); returns a
    new frame, or with ``copy=False`` adds them to ``scores`` (a frame the caller owns) and returns it. NaN never
    meets a condition."""
    criteria = CRITERIA if criteria is None else criteria
    out = scores.copy() if copy else scores
    met_code = np.zeros(len(out), dtype=np.int64)     # bit i: meets the i-th criterion
    for i, (name, conditions) in enumerate(criteria.items()):
        if not name.isidentifier():
            raise PvError(f"criterion name {name!r} must be a plain identifier (letters, digits, _).")
        mask = np.ones(len(out), dtype=bool)
        for column, op, value in conditions:
            if column not in out.columns:
                raise PvError(f"criterion {name!r}: no column {column!r} in the scores (have: {', '.join(out.columns)}).")
            if op not in _OPS:
                raise PvError(f"criterion {name!r}: operator {op!r} is not one of >=, >, <=, <.")
            col = out[column].to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                mask &= _OPS[op](col, float(value)) & ~np.isnan(col)
        out[f"meets_{name}"] = mask
        met_code |= mask.astype(np.int64) << i
    # the names joined once per combination that occurs, not once per pair
    codes, inverse = np.unique(met_code, return_inverse=True)
    names = list(criteria)
    joined = np.array([",".join(n for i, n in enumerate(names) if code >> i & 1) for code in codes], dtype=object)
    out["criteria_met"] = joined[inverse.reshape(-1)] if len(out) else np.array([], dtype=object)
    return out
