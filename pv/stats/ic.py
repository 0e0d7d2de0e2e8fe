"""Information component (IC): the shrunk observed-to-expected ratio on the log2 scale.

Two versions, under their own column names:

``ic`` / ``ic025`` / ``ic975`` — as the Uppsala Monitoring Centre computes it today (Norén et al. 2013)::

    IC = log2((a + 0.5) / (E + 0.5))
    λ | a ~ Gamma(shape = a + 0.5, rate = E + 0.5);  IC025, IC975 = log2 of its 2.5 % and 97.5 % quantiles

``ic_bcpnn`` / ``ic025_bcpnn`` — the original Bayesian confidence propagation neural network (Bate 1998) in the
closed form of Gould (2003), exactly as PhViD's ``BCPNN(MC = FALSE)`` and vigipy compute it, with
N the number of reports, n1. = a + b, n.1 = a + c::

    p1 = 1 + n1.;  p2 = 1 + N − n1.;  q1 = 1 + n.1;  q2 = 1 + N − n.1;  r1 = 1 + a
    r2 = N − a − 1 + (2 + N)² / (q1·p1)
    E[IC]   = [ψ(r1) − ψ(r1 + r2) − (ψ(p1) − ψ(p1 + p2) + ψ(q1) − ψ(q1 + q2))] / ln 2
    Var[IC] = [ψ'(r1) − ψ'(r1 + r2) + ψ'(p1) − ψ'(p1 + p2) + ψ'(q1) − ψ'(q1 + q2)] / (ln 2)²
    IC025   = E[IC] − z·√Var[IC]  (normal approximation)

a = 0 is allowed in both (the IC is then negative).

References
----------
1. Norén GN, Hopstadius J, Bate A (2013). Shrinkage observed-to-expected ratios for robust and transparent
   large-scale pattern discovery. Stat Methods Med Res 22(1):57-69.
2. Bate A, Lindquist M, Edwards IR, et al. (1998). A Bayesian neural network method for adverse drug reaction
   signal generation. Eur J Clin Pharmacol 54:315-321.
3. Gould AL (2003). Practical pharmacovigilance analysis strategies. Pharmacoepidemiol Drug Saf 12:559-574.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaincinv

from pv.stats.disproportionality import Z_975
from pv.stats.special import distinct, trigamma

LN2 = np.log(2.0)


def ic_noren(a, expected, *, lower: float = 0.025, upper: float = 0.975):
    """IC = log2((a + 0.5)/(E + 0.5)) with gamma credibility limits (Norén 2013). Returns (ic, ic025, ic975)."""
    a = np.asarray(a, dtype=float)
    e = np.asarray(expected, dtype=float)
    shape, rate = a + 0.5, e + 0.5
    ic = np.log2(shape / rate)
    # the quantiles depend on the shape only up to the 1/rate scale: invert once per distinct count
    counts, inverse = distinct(a)
    shapes = counts + 0.5
    lo = np.log2(gammaincinv(shapes, lower)[inverse] / rate)
    hi = np.log2(gammaincinv(shapes, upper)[inverse] / rate)
    return ic, lo, hi


def _each(f, split):
    """f of every value, evaluated once per distinct value: ``split`` is :func:`pv.stats.special.distinct`'s."""
    values, index = split
    return f(values)[index]


def bcpnn_ic(a, b, c, d, *, z: float = Z_975):
    """BCPNN IC and its lower 95 % limit in Gould's closed form, as PhViD computes them. Returns (ic, ic025)."""
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    n = a + b + c + d
    n1_, n_1 = a + b, a + c
    p1, q1 = 1 + n1_, 1 + n_1              # p2 = 1 + N − n1., q2 = 1 + N − n.1: p1 + p2 = q1 + q2 = 2 + N
    r1 = 1 + a
    r2 = n - a - 1 + (2 + n) ** 2 / (q1 * p1)
    # ψ and ψ' of r1, p1, q1 and 2 + N once per distinct count, margin and N (whole numbers, few distinct values)
    r1_d, p1_d, q1_d, total_d = (distinct(v) for v in (r1, p1, q1, 2 + n))
    r12 = r1 + r2
    e_ic = (_each(digamma, r1_d) - digamma(r12)
            - (_each(digamma, p1_d) + _each(digamma, q1_d) - 2 * _each(digamma, total_d))) / LN2
    v_ic = (_each(trigamma, r1_d) - trigamma(r12)
            + _each(trigamma, p1_d) + _each(trigamma, q1_d) - 2 * _each(trigamma, total_d)) / LN2**2
    return e_ic, e_ic - z * np.sqrt(v_ic)
