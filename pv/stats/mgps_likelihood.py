"""The MGPS likelihood (pv.stats.mgps): the truncated two-gamma mixture of negative binomials, its gradient and its
Hessian in the coordinates the fit searches, x = (log α1, log β1, log α2, log β2, logit p).

Per point (count n, expected E, weight w), with l_i = log f_i*(n) the truncated component log-densities, g_i and
H_i their gradient and Hessian in (log α_i, log β_i), and w_1 = p·f1*/(p·f1* + (1 − p)·f2*) = 1 − w_2::

    ℓ = log(p·f1* + (1 − p)·f2*)
    ∂ℓ/∂θ_1 = w_1 g_1,   ∂ℓ/∂θ_2 = w_2 g_2,   ∂ℓ/∂η = w_1 − p                      (η = logit p)
    ∂²ℓ/∂θ_1² = w_1 H_1 + w_1 w_2 g_1 g_1ᵀ,   ∂²ℓ/∂θ_1∂θ_2 = −w_1 w_2 g_1 g_2ᵀ
    ∂²ℓ/∂η∂θ_1 = w_1 w_2 g_1,   ∂²ℓ/∂η∂θ_2 = −w_1 w_2 g_2,   ∂²ℓ/∂η² = w_1 w_2 − p(1 − p)

and for one component, log f* = log f − log(1 − f0) with log f0 = α log r, r = β/(β + E), ρ = f0/(1 − f0)::

    ∂_α log f = ψ(α + n) − ψ(α) + log r            ∂_β log f = α/β − (α + n)/(β + E)
    ∂²_α log f = ψ'(α + n) − ψ'(α)                 ∂_α∂_β log f = E/(β(β + E))
    ∂²_β log f = −α/β² + (α + n)/(β + E)²
    −log(1 − f0) adds ρ ∂L0 to the gradient and ρ ∂²L0 + ρ(1 + ρ) ∂L0 ∂L0ᵀ to the Hessian, with L0 = log f0:
    ∂_α L0 = log r, ∂_β L0 = αE/(β(β + E)), ∂²_α L0 = 0, ∂_α∂_β L0 = E/(β(β + E)), ∂²_β L0 = −αE(2β + E)/(β²(β + E)²)

and in log coordinates ∂²/∂(log α)² = α² ∂²_α + α ∂_α, ∂²/∂(log α)∂(log β) = αβ ∂_α∂_β, likewise for β.
tests/test_mgps_likelihood.py checks the gradient and the Hessian against finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, expit, gammaln

from pv.stats.special import distinct, trigamma


def log_nb(n, e, alpha, beta):
    """log f(n; α, β, E) and log f(0), vectorized over n, e."""
    log_r = -np.log1p(e / beta)                  # log(β/(β+E))
    log_q = np.log(e) - np.log(beta + e)         # log(E/(β+E))
    log_f = gammaln(alpha + n) - gammaln(alpha) - gammaln(n + 1) + alpha * log_r + n * log_q
    return log_f, alpha * log_r, log_r


@dataclass(frozen=True)
class Points:
    """The points a likelihood runs on, with what every evaluation would otherwise recompute: the counts take few
    distinct values, so the gamma-function terms of Eq. 5 and its gradient are evaluated once per distinct count
    and gathered (``index``), and log E once for all."""

    n: np.ndarray
    e: np.ndarray
    w: np.ndarray
    log_e: np.ndarray
    n_distinct: np.ndarray
    index: np.ndarray
    log_factorial: np.ndarray       # log n! of each distinct count

    @classmethod
    def of(cls, n, e, w) -> Points:
        n, e, w = (np.asarray(v, dtype=float) for v in (n, e, w))
        n_distinct, index = distinct(n)
        return cls(n, e, w, np.log(e), n_distinct, index.reshape(-1), gammaln(n_distinct + 1))


def _component(pts: Points, alpha, beta):
    """Truncated log-density log f*(n) and its gradient wrt (log α, log β)."""
    n, e = pts.n, pts.e
    u = pts.n_distinct
    be = beta + e
    log_r = -np.log1p(e / beta)                  # log(β/(β+E)) = log f(0) / α
    log_f = ((gammaln(alpha + u) - pts.log_factorial) - gammaln(alpha))[pts.index] + alpha * log_r \
        + n * (pts.log_e - np.log(be))           # Eq. 5, with log(E/(β+E))
    log_p0 = alpha * log_r
    one_m_p0 = -np.expm1(log_p0)
    ratio1 = 1 / one_m_p0                        # 1 + f(0)/(1 − f(0))
    log_fs = log_f - np.log(one_m_p0)            # log(1 − f(0)), accurate when f(0) -> 1
    d_alpha = (digamma(alpha + u) - digamma(alpha))[pts.index] + log_r * ratio1
    # β ∂_β = α(1 + ρ) − (α(1 + ρ) + n)·β/(β + E), ρ = f(0)/(1 − f(0))
    ar = alpha * ratio1
    return log_fs, d_alpha * alpha, ar - (ar + n) * (beta / be)


def objective(x, pts: Points):
    a1, b1, a2, b2 = np.exp(x[:4])
    p = expit(x[4])
    w = pts.w
    l1, ga1, gb1 = _component(pts, a1, b1)
    l2, ga2, gb2 = _component(pts, a2, b2)
    m = np.maximum(l1, l2)
    s1, s2 = p * np.exp(l1 - m), (1 - p) * np.exp(l2 - m)
    total = s1 + s2
    log_l = m + np.log(total)
    w1, w2 = s1 / total, s2 / total
    nll = -np.sum(w * log_l)
    grad = -np.array([
        np.sum(w * w1 * ga1), np.sum(w * w1 * gb1), np.sum(w * w2 * ga2), np.sum(w * w2 * gb2),
        np.sum(w * (w1 / p - w2 / (1 - p))) * p * (1 - p),
    ])
    if not np.isfinite(nll):
        return 1e300, np.zeros(5)
    return nll, grad


def _component_hessian(pts: Points, alpha, beta):
    """Truncated log-density, its gradient and its Hessian wrt (log α, log β): (l, gu, gv, huu, huv, hvv), each of
    shape (k, points) for k parameter values (``alpha``, ``beta`` of shape (k, 1))."""
    n, e = pts.n, pts.e
    u = pts.n_distinct
    be = beta + e
    log_r = -np.log1p(e / beta)
    log_q = pts.log_e - np.log(be)
    by_count = pts.index

    def per_count(values):                                    # (k, distinct counts) -> (k, points)
        return np.take(values, by_count, axis=1)

    log_f = per_count((gammaln(alpha + u) - pts.log_factorial) - gammaln(alpha)) + alpha * log_r + n * log_q
    log_p0 = alpha * log_r
    p0 = np.exp(log_p0)
    one_m_p0 = -np.expm1(log_p0)
    rho = p0 / one_m_p0
    rho2 = rho * (1 + rho)
    cross = e / (beta * be)                                   # ∂_α∂_β log f = ∂_α∂_β L0
    l0_b = alpha * cross
    f_a = per_count(digamma(alpha + u) - digamma(alpha)) + log_r
    f_b = alpha / beta - (alpha + n) / be
    f_aa = per_count(trigamma(alpha + u) - trigamma(alpha))
    f_bb = -alpha / beta**2 + (alpha + n) / be**2
    l_a = f_a + rho * log_r
    l_b = f_b + rho * l0_b
    l_aa = f_aa + rho2 * log_r**2
    l_ab = cross + rho * cross + rho2 * log_r * l0_b
    l_bb = f_bb - rho * alpha * e * (2 * beta + e) / (beta * be) ** 2 + rho2 * l0_b**2
    return (log_f - np.log(one_m_p0), alpha * l_a, beta * l_b,
            alpha**2 * l_aa + alpha * l_a, alpha * beta * l_ab, beta**2 * l_bb + beta * l_b)


def objective_hessian(x, pts: Points):
    """−log L, its gradient and its Hessian at x (see the module docstring). ``x`` is one point (5,), or k points
    (k, 5) evaluated together (the fit's starts search side by side): then each result has a leading k axis, and a
    point whose likelihood is not finite gets −log L = inf."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        nll, grad, hess = objective_hessian(x[None, :], pts)
        return float(nll[0]), grad[0], hess[0]
    k = x.shape[0]
    theta = np.exp(x[:, :4])
    p = expit(x[:, 4:5])
    w = pts.w
    # both components of every point in one evaluation: rows 0..k-1 the first component, k..2k-1 the second
    log_f, gu, gv, huu, huv, hvv = _component_hessian(pts, np.r_[theta[:, 0:1], theta[:, 2:3]],
                                                  np.r_[theta[:, 1:2], theta[:, 3:4]])
    l1, l2 = log_f[:k], log_f[k:]
    m = np.maximum(l1, l2)
    s1, s2 = p * np.exp(l1 - m), (1 - p) * np.exp(l2 - m)
    total = s1 + s2
    nll = -(m + np.log(total)) @ w
    w1 = s1 / total
    w2 = 1 - w1
    ww = w * w1 * w2
    # the outer-product terms w1 w2 g gᵀ of every block at once, with the second component's gradient negated
    # (its cross terms with the first and with η change sign) and a row of ones for η
    g = np.stack([gu[:k], gv[:k], -gu[k:], -gv[k:], np.ones_like(l1)], axis=1)          # (k, 5, points)
    hess = (g * ww[:, None, :]) @ g.transpose(0, 2, 1)
    weight = np.r_[w * w1, w * w2]                                                         # (2k, points)
    sums = np.stack([np.einsum("kn,kn->k", weight, v) for v in (gu, gv, huu, huv, hvv)], axis=1)   # (2k, 5)
    grad = np.empty((k, 5))
    grad[:, 0:2], grad[:, 2:4] = sums[:k, 0:2], sums[k:, 0:2]
    for block, rows in ((0, slice(0, k)), (2, slice(k, 2 * k))):
        hess[:, block, block] += sums[rows, 2]
        hess[:, block, block + 1] += sums[rows, 3]
        hess[:, block + 1, block] += sums[rows, 3]
        hess[:, block + 1, block + 1] += sums[rows, 4]
    p = p[:, 0]
    grad[:, 4] = (w1 - p[:, None]) @ w
    hess[:, 4, 4] -= w.sum() * p * (1 - p)
    bad = ~np.isfinite(nll)
    if bad.any():
        nll[bad], grad[bad], hess[bad] = np.inf, 0.0, np.eye(5)
    return nll, -grad, -hess
