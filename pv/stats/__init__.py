"""Disproportionality statistics over 2×2 tables of unique reports.

Every statistic here is a pure, vectorized function of numpy arrays. The table is always drawn this way::

                       event        not event
        drug             a              b          a + b   (n1.)
        not drug         c              d          c + d
                       a + c          b + d        N = a + b + c + d
                       (n.1)

``a`` counts reports naming both the drug and the event, ``b`` the drug without the event, ``c`` the event
without the drug, ``d`` neither. The expected count under independence is E = (a+b)(a+c)/N (or a stratified E
passed in). Modules: :mod:`pv.stats.disproportionality` (PRR, ROR, χ²), :mod:`pv.stats.ic` (IC, BCPNN),
:mod:`pv.stats.mgps` (EBGM), :mod:`pv.stats.criteria` (signal criteria); :func:`disproportionality` chains them.
"""

from pv.stats.criteria import CRITERIA, apply_criteria
from pv.stats.disproportionality import chi2_yates, expected_count, prr, ror, ror_lower_judged
from pv.stats.ic import bcpnn_ic, ic_noren
from pv.stats.mgps import MGPSPrior, ebgm_scores, fit_mgps
from pv.stats.scores import disproportionality

__all__ = [
    "CRITERIA",
    "MGPSPrior",
    "apply_criteria",
    "bcpnn_ic",
    "chi2_yates",
    "disproportionality",
    "ebgm_scores",
    "expected_count",
    "fit_mgps",
    "ic_noren",
    "prr",
    "ror",
    "ror_lower_judged",
]
