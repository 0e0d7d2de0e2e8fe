"""Frequentist disproportionality: PRR, ROR with Wald confidence intervals on the log scale, and Yates' χ².

Zero cells are not corrected silently. Arithmetic follows IEEE rules, as R does in PhViD, so an estimate that
is unbounded is ``+inf`` and one that is undefined (0/0) is ``nan``:

* PRR with c = 0 (and a > 0) is +inf; with a = 0 it is 0 and its upper limit is nan; a = c = 0 gives nan.
* ROR with b·c = 0 is +inf (a·d > 0) or nan (a·d = 0).

``continuity_correction=0.5`` (vigipy's default) adds 0.5 to all four cells of every table that has a zero cell,
and to no other table.

The ``ror025`` criterion must judge every pair, but the lower limit of an ROR with b = 0 or c = 0 is nan (the
table has no variance estimate), so a pair like a = 28, c = 0 could never meet it. :func:`ror_lower_judged` is the
limit the criterion reads: the plain Wald limit, or, for a table with a zero cell, the limit of the
Haldane-Anscombe corrected table (0.5 added to all four cells; Haldane 1956), flagged ``is_haldane``. The ROR and
its interval reported beside it stay uncorrected.

References
----------
1. Evans SJW, Waller PC, Davis S (2001). Use of proportional reporting ratios (PRRs) for signal generation from
   spontaneous adverse drug reaction reports. Pharmacoepidemiol Drug Saf 10:483-486.
2. van Puijenbroek EP, Bate A, Leufkens HGM, et al. (2002). A comparison of measures of disproportionality for
   signal detection in spontaneous reporting systems for adverse drug reactions. Pharmacoepidemiol Drug Saf
   11:3-10.
3. Ahmed I, Poncet A (2016). PhViD: an R package for pharmacovigilance signal detection (functions PRR, ROR).
4. Haldane JBS (1956). The estimation and significance of the logarithm of a ratio of frequencies. Ann Hum Genet
   20:309-311.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

# The exact normal quantile (qnorm(0.975) in R, used by PhViD and openEBGM), not the rounded 1.96.
Z_975 = float(ndtri(0.975))   # 1.959963984540054


def _cells(a, b, c, d):
    return (np.asarray(x, dtype=float) for x in (a, b, c, d))


def corrected_cells(a, b, c, d, continuity_correction: float = 0.0):
    """Add ``continuity_correction`` to all four cells of the tables with a zero cell (others unchanged)."""
    a, b, c, d = _cells(a, b, c, d)
    if continuity_correction:
        zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
        k = np.where(zero, continuity_correction, 0.0)
        a, b, c, d = a + k, b + k, c + k, d + k
    return a, b, c, d


def expected_count(a, b, c, d):
    """E = (a + b)(a + c) / N: reports expected with drug and event if they were independent."""
    a, b, c, d = _cells(a, b, c, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a + b) * (a + c) / (a + b + c + d)


def prr(a, b, c, d, *, z: float = Z_975, continuity_correction: float = 0.0):
    """Proportional reporting ratio and its Wald confidence interval (Evans 2001).

    PRR = [a / (a + b)] / [c / (c + d)]
    var(ln PRR) = 1/a − 1/(a + b) + 1/c − 1/(c + d)
    limits = exp(ln PRR ∓ z·√var)

    Example: a=20, b=180, c=100, d=9700 gives PRR = 0.1 / (100/9800) = 9.8.

    Returns (prr, lower, upper) as float arrays.
    """
    a, b, c, d = corrected_cells(a, b, c, d, continuity_correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_prr = np.log(a / (a + b)) - np.log(c / (c + d))
        se = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
        return np.exp(log_prr), np.exp(log_prr - z * se), np.exp(log_prr + z * se)


def ror(a, b, c, d, *, z: float = Z_975, continuity_correction: float = 0.0):
    """Reporting odds ratio and its Wald (Woolf) confidence interval (van Puijenbroek 2002).

    ROR = (a·d) / (b·c)
    var(ln ROR) = 1/a + 1/b + 1/c + 1/d
    limits = exp(ln ROR ∓ z·√var)

    Example: a=20, b=180, c=100, d=9700 gives ROR = 194000 / 18000 = 10.78.

    Returns (ror, lower, upper) as float arrays.
    """
    a, b, c, d = corrected_cells(a, b, c, d, continuity_correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ror = np.log(a) + np.log(d) - np.log(b) - np.log(c)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        return np.exp(log_ror), np.exp(log_ror - z * se), np.exp(log_ror + z * se)


def ror_lower_judged(a, b, c, d, *, z: float = Z_975, wald_lower=None):
    """The ROR lower limit the ``ror025`` criterion judges, and whether it comes from a corrected table.

    All four cells > 0: the Wald lower limit of :func:`ror`. A zero cell: the lower limit of the table with 0.5
    added to every cell (Haldane-Anscombe), so that the pair is judged rather than dropped.

    Example: a=28, b=472, c=0, d=9500 has ROR = inf with lower limit nan; corrected, ROR = 28.5·9500.5 /
    (472.5·0.5) = 1146 and the lower limit is 69.9, so the pair meets ror025.

    ``wald_lower``: the uncorrected lower limits at this ``z``, when the caller has them (:func:`ror`).

    Returns (lower, is_haldane) arrays.
    """
    a, b, c, d = _cells(a, b, c, d)
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    lower = ror(a, b, c, d, z=z)[1] if wald_lower is None else np.array(wald_lower, dtype=float)
    if zero.any():
        at = np.flatnonzero(zero)
        lower[at] = ror(a[at], b[at], c[at], d[at], z=z, continuity_correction=0.5)[1]
    return lower, zero


def chi2_yates(a, b, c, d):
    """Pearson's χ² of the 2×2 table with Yates' continuity correction (1 df), as the Evans criteria use it.

    χ² = N · max(|a·d − b·c| − N/2, 0)² / [(a + b)(c + d)(a + c)(b + d)]

    The correction never moves an observed count past its expected value (the ``max``), as R's ``chisq.test``
    and scipy's ``chi2_contingency`` do. A table with an empty margin gives nan.
    """
    a, b, c, d = _cells(a, b, c, d)
    n = a + b + c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.maximum(np.abs(a * d - b * c) - n / 2, 0.0)
        return n * diff**2 / ((a + b) * (c + d) * (a + c) * (b + d))
