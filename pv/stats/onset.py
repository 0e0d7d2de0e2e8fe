"""Time to onset: its distribution and the Weibull shape parameter test.

The time to onset (TTO) of a drug-event pair in a case is the number of days from the start of therapy with the
drug to the onset of the event. For a signal, pv reports n, the median and the interquartile range, and fits a
Weibull distribution to the TTOs by maximum likelihood::

    f(t; k, λ) = (k/λ) (t/λ)^(k−1) exp(−(t/λ)^k),      t > 0

The shape k says how the hazard of the event changes after the drug is started (Cornelius et al. 2012; van Holle
et al. 2012): the 95 % confidence interval of k entirely below 1 means a hazard that falls with time (events
cluster early, as infusion reactions do); entirely above 1, a hazard that rises (events come late, as
autoimmunity months or years after a course); an interval containing 1 is compatible with a constant hazard,
the pattern of events unrelated to the drug's start. An event on the day therapy started (TTO 0) counts as half
a day, so that it enters the likelihood.

Fit. With u = log t the profile score equation for k is Σ t^k u / Σ t^k − 1/k − mean(u) = 0, increasing in k and
solved by bracketing; then λ = (Σ t^k / n)^(1/k). The interval for k is Wald on log k, from the observed
information of (k, λ) at the optimum.

References
----------
1. Cornelius VR, Sauzet O, Evans SJW (2012). A signal detection method to detect adverse drug reactions using a
   parametric time-to-event model in simulated cohort data. Drug Saf 35(7):599-610.
2. van Holle L, Zeinoun Z, Bauchau V, Verstraeten T (2012). Using time-to-onset for detecting safety signals in
   spontaneous reports of adverse events following immunization: a proof of concept study. Pharmacoepidemiol
   Drug Saf 21(6):603-610.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from pv.stats.disproportionality import Z_975

SAME_DAY = 0.5            # days counted for an event on the day therapy started
MIN_CASES_WEIBULL = 3     # fewer dated cases: the distribution is summarized, the shape not fitted


def weibull_shape_test(days, *, z: float = Z_975) -> dict:
    """Maximum-likelihood Weibull fit of the times to onset ``days`` (>= 0; 0 counts as half a day).

    Returns shape, shape_lower, shape_upper, scale and hazard ('decreasing', 'increasing', 'constant', or None
    when it cannot be fitted: fewer than ``MIN_CASES_WEIBULL`` times, or all equal)."""
    t = np.asarray(days, dtype=float)
    t = np.where(t == 0, SAME_DAY, t)
    empty = {"shape": np.nan, "shape_lower": np.nan, "shape_upper": np.nan, "scale": np.nan, "hazard": None}
    if t.size < MIN_CASES_WEIBULL or np.any(t < 0) or np.ptp(t) == 0:
        return empty
    u = np.log(t)
    u_centered = u - u.max()                 # t^k / max(t)^k: no overflow for large k

    def score(k):
        w = np.exp(k * u_centered)
        return (w * u).sum() / w.sum() - 1.0 / k - u.mean()

    lo, hi = 1e-3, 1.0
    while score(hi) < 0 and hi < 1e4:
        hi *= 4
    if score(lo) > 0 or score(hi) < 0:
        return empty
    k = brentq(score, lo, hi, xtol=1e-12, rtol=1e-12)
    n = t.size
    scale = float(np.exp(u.max()) * (np.exp(k * u_centered).sum() / n) ** (1.0 / k))
    # observed information of (k, λ) at the optimum (there Σ z = n)
    r = np.log(t / scale)
    zr = (t / scale) ** k
    i_kk = n / k**2 + (zr * r**2).sum()
    i_ll = (k / scale**2) * ((k + 1) * zr.sum() - n)
    i_kl = n / scale - zr.sum() / scale - (k / scale) * (zr * r).sum()
    det = i_kk * i_ll - i_kl**2
    if not np.isfinite(det) or det <= 0:
        return {**empty, "shape": float(k), "scale": scale}
    se_log_k = np.sqrt(i_ll / det) / k
    lower, upper = k * np.exp(-z * se_log_k), k * np.exp(z * se_log_k)
    hazard = "decreasing" if upper < 1 else "increasing" if lower > 1 else "constant"
    return {"shape": float(k), "shape_lower": float(lower), "shape_upper": float(upper), "scale": scale,
            "hazard": hazard}


def onset_summary(cases: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group of ``by``: n (cases with both dates), n_negative (onset before therapy start: left out),
    median and quartiles of the onset days, and the Weibull shape test of :func:`weibull_shape_test`.
    ``cases``: one row per case and group with ``onset_days``."""
    rows = []
    for key, group in cases.groupby(by, sort=True):
        days = group["onset_days"].to_numpy(dtype=float)
        valid = days[days >= 0]
        q1, median, q3 = (np.percentile(valid, [25, 50, 75]) if valid.size else (np.nan, np.nan, np.nan))
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                     "n": int(valid.size), "n_negative": int((days < 0).sum()), "median_days": median,
                     "q1_days": q1, "q3_days": q3, **weibull_shape_test(valid)})
    columns = [*by, "n", "n_negative", "median_days", "q1_days", "q3_days", "shape", "shape_lower", "shape_upper",
               "scale", "hazard"]
    return pd.DataFrame(rows, columns=columns)
