"""pv.stats against hand-worked tables, scipy, PhViD's formulas and openEBGM's published CAERS results.

Expected values come from outside this package: arithmetic written out in the test, scipy.stats, a line-by-line
transcription of PhViD's R code (functions ``PRR``, ``ROR``, ``BCPNN``; R's ``qnorm(0.025)``), and the numbers
printed in openEBGM's vignette for its CAERS data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.special import digamma, gammainc, polygamma
from scipy.stats import chi2_contingency, gamma, norm
from scipy.stats.contingency import odds_ratio, relative_risk

from pv.errors import PvError
from pv.stats import (
    CRITERIA,
    MGPSPrior,
    apply_criteria,
    bcpnn_ic,
    chi2_yates,
    disproportionality,
    ebgm_scores,
    expected_count,
    fit_mgps,
    ic_noren,
    prr,
    ror,
)
from pv.stats.mgps import neg_log_likelihood, posterior_weight

FIX = Path(__file__).parent / "fixtures"
QNORM_0975 = 1.959963984540054   # R: qnorm(0.975)


# --- hand-worked 2x2 -------------------------------------------------------------------------------------------

def test_prr_ror_chi2_on_a_hand_worked_table():
    # a=20, b=180, c=100, d=9700 (N = 10,000)
    a, b, c, d = 20, 180, 100, 9700
    est, lo, hi = prr(a, b, c, d)
    assert est == pytest.approx((20 / 200) / (100 / 9800), rel=1e-12)            # 9.8
    se = math.sqrt(1 / 20 - 1 / 200 + 1 / 100 - 1 / 9800)                            # 0.234303
    assert lo == pytest.approx(9.8 * math.exp(-QNORM_0975 * se), rel=1e-12)           # 6.1914
    assert hi == pytest.approx(9.8 * math.exp(QNORM_0975 * se), rel=1e-12)            # 15.5119
    est, lo, hi = ror(a, b, c, d)
    assert est == pytest.approx(20 * 9700 / (180 * 100), rel=1e-12)                  # 10.7778
    se = math.sqrt(1 / 20 + 1 / 180 + 1 / 100 + 1 / 9700)
    assert (lo, hi) == pytest.approx((est * math.exp(-QNORM_0975 * se), est * math.exp(QNORM_0975 * se)), rel=1e-12)
    # Yates: N (|ad - bc| - N/2)^2 / (n1. n0. n.1 n.0) = 10000 * 171000^2 / (200 * 9800 * 120 * 9880)
    assert chi2_yates(a, b, c, d) == pytest.approx(10000 * 171000**2 / (200 * 9800 * 120 * 9880), rel=1e-12)
    assert expected_count(a, b, c, d) == pytest.approx(200 * 120 / 10000)


@pytest.mark.parametrize("table", [(20, 180, 100, 9700), (3, 7, 12, 50000), (150, 20, 40, 900), (1, 1, 1, 1)])
def test_against_scipy(table):
    a, b, c, d = table
    rr = relative_risk(a, a + b, c, c + d)
    est, lo, hi = prr(*table)
    assert est == pytest.approx(rr.relative_risk, rel=1e-12)
    assert (lo, hi) == pytest.approx(tuple(rr.confidence_interval(0.95)), rel=1e-12)
    orr = odds_ratio([[a, b], [c, d]], kind="sample")
    est, lo, hi = ror(*table)
    assert est == pytest.approx(orr.statistic, rel=1e-12)
    assert (lo, hi) == pytest.approx(tuple(orr.confidence_interval(0.95)), rel=1e-12)
    assert chi2_yates(*table) == pytest.approx(chi2_contingency([[a, b], [c, d]], correction=True)[0], rel=1e-12)


def test_zero_cells_follow_ieee_as_phvid_does():
    with np.errstate(all="ignore"):
        est, lo, hi = prr([0, 5, 0], [10, 10, 10], [5, 0, 0], [100, 100, 100])
    assert est[0] == 0 and lo[0] == 0 and np.isnan(hi[0])          # a = 0
    assert np.isinf(est[1]) and np.isnan(lo[1]) and np.isinf(hi[1])  # c = 0: unbounded, lower limit undefined
    assert np.isnan(est[2])                                          # 0/0
    est, lo, hi = ror([5, 0, 0], [0, 10, 0], [5, 5, 5], [100, 0, 5])
    assert np.isinf(est[0]) and est[1] == 0 and np.isnan(est[2])     # b = 0 -> inf; a·d = 0 -> 0; 0/0 -> nan
    assert np.isnan(chi2_yates(0, 0, 5, 5))                          # empty drug margin


def test_continuity_correction_touches_only_tables_with_a_zero_cell():
    est, _, _ = prr([5, 5], [10, 10], [0, 4], [100, 100], continuity_correction=0.5)
    assert est[0] == pytest.approx((5.5 / 16) / (0.5 / 101), rel=1e-12)
    assert est[1] == pytest.approx((5 / 15) / (4 / 104), rel=1e-12)
    est, _, _ = ror([5], [0], [3], [100], continuity_correction=0.5)
    assert est[0] == pytest.approx(5.5 * 100.5 / (0.5 * 3.5), rel=1e-12)


def test_chi2_yates_never_overcorrects():
    # |ad - bc| = |10*10 - 10*10| = 0 < N/2: the correction stops at zero, as R's chisq.test does
    assert chi2_yates(10, 10, 10, 10) == 0.0


# --- IC ---------------------------------------------------------------------------------------------------------

def test_ic_noren_by_hand():
    ic, lo, hi = ic_noren([3, 0], [1.0, 0.0])
    assert ic[0] == pytest.approx(math.log2(3.5 / 1.5), rel=1e-12)
    assert lo[0] == pytest.approx(math.log2(gamma.ppf(0.025, 3.5, scale=1 / 1.5)), rel=1e-10)
    assert hi[0] == pytest.approx(math.log2(gamma.ppf(0.975, 3.5, scale=1 / 1.5)), rel=1e-10)
    assert ic[1] == 0.0 and lo[1] < 0 < hi[1]


def phvid_bcpnn(n11, n1_, n_1, N):
    """PhViD::BCPNN(MC = FALSE), line by line (R/BCPNN.R)."""
    p1, p2 = 1 + n1_, 1 + N - n1_
    q1, q2 = 1 + n_1, 1 + N - n_1
    r1 = 1 + n11
    r2b = N - n11 - 1 + (2 + N) ** 2 / (q1 * p1)
    eic = (digamma(r1) - digamma(r1 + r2b) - (digamma(p1) - digamma(p1 + p2) + digamma(q1) - digamma(q1 + q2))) / math.log(2)
    tri = lambda x: polygamma(1, x)  # noqa: E731
    vic = (tri(r1) - tri(r1 + r2b) + (tri(p1) - tri(p1 + p2) + tri(q1) - tri(q1 + q2))) / math.log(2) ** 2
    return eic, norm.ppf(0.025, eic, math.sqrt(vic))


def phvid_prr_ror(n11, n1_, n_1, N):
    """PhViD::PRR and ::ROR, line by line (R/PRR.R, R/ROR.R); LB = qnorm(0.025, log, sd), UB by symmetry."""
    n10, n01 = n1_ - n11, n_1 - n11
    n00 = N - (n11 + n10 + n01)
    log_prr = math.log((n11 / (n11 + n10)) / (n01 / (n01 + n00)))
    sd_prr = math.sqrt(1 / n11 - 1 / (n11 + n10) + 1 / n01 - 1 / (n01 + n00))
    log_ror = math.log(n11 * n00 / (n10 * n01))
    sd_ror = math.sqrt(1 / n11 + 1 / n10 + 1 / n01 + 1 / n00)
    return (math.exp(log_prr), math.exp(norm.ppf(0.025, log_prr, sd_prr)), math.exp(norm.ppf(0.975, log_prr, sd_prr)),
            math.exp(log_ror), math.exp(norm.ppf(0.025, log_ror, sd_ror)), math.exp(norm.ppf(0.975, log_ror, sd_ror)))


def _agree_with_phvid(n11, n1_, n_1, N):
    a = np.asarray(n11, float)
    b, c = np.asarray(n1_, float) - a, np.asarray(n_1, float) - a
    d = np.asarray(N, float) - a - b - c
    keep = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    ours = disproportionality(pd.DataFrame({"a": a, "b": b, "c": c, "d": d}), mgps=False)
    cols = ["prr", "prr_lower", "prr_upper", "ror", "ror_lower", "ror_upper"]
    for i in range(len(a)):
        ref = phvid_prr_ror(a[i], a[i] + b[i], a[i] + c[i], a[i] + b[i] + c[i] + d[i])
        assert ours.loc[i, cols].to_numpy(float) == pytest.approx(ref, rel=1e-9), i
        eic, lb = phvid_bcpnn(a[i], a[i] + b[i], a[i] + c[i], a[i] + b[i] + c[i] + d[i])
        assert ours.loc[i, "ic_bcpnn"] == pytest.approx(eic, rel=1e-9, abs=1e-12)
        assert ours.loc[i, "ic025_bcpnn"] == pytest.approx(lb, rel=1e-9, abs=1e-12)
    chi = np.array([chi2_contingency([[a[i], b[i]], [c[i], d[i]]], correction=True)[0] for i in range(len(a))])
    np.testing.assert_allclose(ours["chi2_yates"], chi, rtol=1e-9, atol=1e-12)
    return len(a)


def test_caers_pairs_agree_with_phvid_formulas():
    counts = pd.read_csv(FIX / "caers" / "caers_counts.csv")
    full = (counts["n11"] < counts["n1."]) & (counts["n11"] < counts["n.1"])   # no zero cell
    counts = counts[full].sample(n=2000, random_state=1)     # scalar R-like reference code is slow: a sample
    assert _agree_with_phvid(counts["n11"], counts["n1."], counts["n.1"], counts["n.."]) == 2000


@pytest.mark.parametrize("name", ["statin49", "statin101", "betablocker500", "sedative1000"])
def test_mddc_faers_tables_agree_with_phvid_formulas(name):
    table = pd.read_csv(FIX / "mddc" / f"{name}.csv", index_col=0)
    total = table.to_numpy().sum()
    col_sum, row_sum = table.sum(axis=0), table.sum(axis=1)
    cells = table.drop(index=[r for r in table.index if r.startswith("Other")], columns="Other").stack()
    cells = cells[cells > 0]
    n11 = cells.to_numpy()
    n1_ = col_sum[cells.index.get_level_values(1)].to_numpy()       # drug margin (column sum)
    n_1 = row_sum[cells.index.get_level_values(0)].to_numpy()       # event margin (row sum)
    if len(n11) > 1500:
        pick = np.random.default_rng(0).choice(len(n11), 1500, replace=False)
        n11, n1_, n_1 = n11[pick], n1_[pick], n_1[pick]
    assert _agree_with_phvid(n11, n1_, n_1, np.full(len(n11), total)) > 10


# --- MGPS -------------------------------------------------------------------------------------------------------

PUBLISHED = (3.25597, 0.39999, 2.02376, 1.90614, 0.06531)   # openEBGM vignette, CAERS, unstratified


@pytest.fixture(scope="module")
def caers():
    counts = pd.read_csv(FIX / "caers" / "caers_counts.csv")
    n = counts["n11"].to_numpy(float)
    e = (counts["n1."] * counts["n.1"] / counts["n.."]).to_numpy()
    return counts, n, e


@pytest.fixture(scope="module")
def caers_prior(caers):
    _, n, e = caers
    return fit_mgps(n, e)


def test_likelihood_matches_openebgm_at_its_published_fit(caers):
    _, n, e = caers
    assert neg_log_likelihood(PUBLISHED, n, e) == pytest.approx(4162.456, abs=5e-4)


def test_fit_reaches_openebgm_likelihood(caers_prior):
    prior = caers_prior
    assert prior.nll <= 4162.456 + 1e-6
    assert prior.converged and prior.n_pairs == 17189 and prior.n_agreeing >= 3
    # the same optimum: parameters agree with the published ones to their printed precision
    assert (prior.alpha1, prior.beta1, prior.alpha2, prior.beta2, prior.p) == pytest.approx(PUBLISHED, rel=2e-4)
    assert len(prior.starts) >= 5 and all("nll" in s and "converged" in s for s in prior.starts)


def test_reumofan_weight_increased_matches_the_vignette(caers, caers_prior):
    counts, n, e = caers
    i = counts.index[(counts["drug"] == "REUMOFAN PLUS") & (counts["event"] == "WEIGHT INCREASED")][0]
    assert n[i] == 16 and e[i] == pytest.approx(0.40644, abs=5e-6)
    ebgm, eb05, eb95 = ebgm_scores(caers_prior, n[i:i + 1], e[i:i + 1])
    assert (round(ebgm[0], 2), round(eb05[0], 2), round(eb95[0], 2)) == (23.26, 15.69, 33.48)


def test_posterior_quantiles_solve_the_mixture_cdf(caers, caers_prior):
    _, n, e = caers
    idx = np.random.default_rng(3).choice(len(n), 300, replace=False)
    ebgm, q05, q95 = ebgm_scores(caers_prior, n[idx], e[idx])
    qn = posterior_weight(caers_prior, n[idx], e[idx])
    p = caers_prior
    for j, i in enumerate(idx):
        def cdf(x, i=i, j=j):
            return qn[j] * gammainc(p.alpha1 + n[i], (p.beta1 + e[i]) * x) + (1 - qn[j]) * gammainc(p.alpha2 + n[i], (p.beta2 + e[i]) * x)
        assert q05[j] == pytest.approx(brentq(lambda x: cdf(x) - 0.05, 1e-12, 1e6, xtol=1e-15), rel=1e-9)
        assert q95[j] == pytest.approx(brentq(lambda x: cdf(x) - 0.95, 1e-12, 1e6, xtol=1e-15), rel=1e-9)
    assert np.all((q05 <= ebgm) & (ebgm <= q95))


def test_quantiles_with_a_degenerate_component():
    # A prior whose second component is nearly a point mass (seen on synthetic data) and Q_n == 1 in floating
    # point: the quantile is the first component's, not a bisection midpoint.
    prior = MGPSPrior(0.827, 0.2398, 160316.5, 162754.8, 0.01496, nll=0.0)
    n, e = np.array([69.0, 1.0, 3.0]), np.array([8.429, 6.57, 0.5])
    _, q05, q95 = ebgm_scores(prior, n, e)
    qn = posterior_weight(prior, n, e)
    for j in range(3):
        def cdf(x, j=j):
            return qn[j] * gammainc(prior.alpha1 + n[j], (prior.beta1 + e[j]) * x) + (1 - qn[j]) * gammainc(prior.alpha2 + n[j], (prior.beta2 + e[j]) * x)
        assert q05[j] == pytest.approx(brentq(lambda x: cdf(x) - 0.05, 1e-12, 1e6, xtol=1e-15), rel=1e-9)
        assert q95[j] == pytest.approx(brentq(lambda x: cdf(x) - 0.95, 1e-12, 1e6, xtol=1e-15), rel=1e-9)


def test_squashed_fit_reaches_the_exact_optimum():
    rng = np.random.default_rng(11)
    e = rng.gamma(0.5, 0.6, 60_000) + 1e-3
    lam = np.where(rng.random(e.size) < 0.1, rng.gamma(2.0, 2.0, e.size), rng.gamma(20.0, 1 / 20.0, e.size))
    n = rng.poisson(lam * e)
    keep = n >= 1
    exact = fit_mgps(n[keep], e[keep], squash_above=10**9)
    squashed = fit_mgps(n[keep], e[keep], squash_above=1000)
    assert "squashed" in squashed.method and squashed.n_points < squashed.n_pairs
    assert squashed.nll <= exact.nll + 1e-3
    assert neg_log_likelihood(squashed.theta, n[keep], e[keep]) == pytest.approx(squashed.nll)


def test_fit_mgps_input_errors():
    with pytest.raises(PvError, match="observed has 2 values but expected has 3"):
        fit_mgps([1, 2], [1.0, 2.0, 3.0])
    with pytest.raises(PvError, match="no pair with observed >= 1"):
        fit_mgps([0, 0], [1.0, 2.0])
    with pytest.raises(PvError, match="expected counts must be positive"):
        fit_mgps([1, 2], [1.0, 0.0])


# --- the one-call API and criteria ---------------------------------------------------------------------------

def test_disproportionality_adds_every_column_and_passes_others_through(caers, caers_prior):
    counts, _, _ = caers
    df = pd.DataFrame({"drug": counts["drug"], "event": counts["event"], "a": counts["n11"],
                       "b": counts["n1."] - counts["n11"], "c": counts["n.1"] - counts["n11"]})
    df["d"] = counts["n.."] - df["a"] - df["b"] - df["c"]
    out = disproportionality(df, prior=caers_prior)
    expected_cols = ["n", "expected", "prr", "prr_lower", "prr_upper", "ror", "ror_lower", "ror_upper", "chi2_yates",
                     "ic", "ic025", "ic975", "ebgm", "eb05", "eb95"]
    assert all(c in out.columns for c in ["drug", "event", *expected_cols, "ic_bcpnn", "ic025_bcpnn"])
    assert (out["n"] == 3356).all()
    assert (out["eb05"] <= out["ebgm"]).all() and (out["ebgm"] <= out["eb95"]).all()
    assert (out["ic025"] <= out["ic"]).all() and (out["ic"] <= out["ic975"]).all()
    # the prior is fitted when none is given, and gives the same scores
    again = disproportionality(df.head(3000))
    assert again["ebgm"].notna().all()
    with pytest.raises(PvError, match="missing c, d"):
        disproportionality(pd.DataFrame({"a": [1], "b": [2]}))


def test_stratified_expected_is_used_when_given():
    df = pd.DataFrame({"a": [5], "b": [20], "c": [30], "d": [945], "expected": [2.0]})
    out = disproportionality(df, mgps=False)
    assert out.loc[0, "expected"] == 2.0
    assert out.loc[0, "ic"] == pytest.approx(math.log2(5.5 / 2.5))
    assert out.loc[0, "prr"] == pytest.approx((5 / 25) / (30 / 975))        # PRR stays crude


def test_criteria_presets_and_custom():
    scores = pd.DataFrame({
        "a": [3, 2, 10, 5], "prr": [2.0, 5.0, 1.5, np.nan], "chi2_yates": [4.0, 9.0, 10.0, 8.0],
        "ror_lower": [1.01, 3.0, 0.9, 2.0], "ic025": [0.1, -0.1, 0.0, 0.5], "eb05": [2.0, 1.99, 3.0, np.nan],
    })
    scores["ror_lower_judged"] = scores["ror_lower"]                      # no zero cell in these tables
    out = apply_criteria(scores)
    assert out["meets_evans"].tolist() == [True, False, False, False]     # a >= 3 and PRR >= 2 and chi2 >= 4
    assert out["meets_ror025"].tolist() == [True, False, False, True]
    assert out["meets_ic025"].tolist() == [True, False, False, True]      # strictly > 0
    assert out["meets_eb05"].tolist() == [True, False, True, False]       # NaN never meets
    assert out["criteria_met"].tolist() == ["evans,ror025,ic025,eb05", "", "eb05", "ror025,ic025"]
    custom = apply_criteria(scores, {"strict": [("a", ">=", 5), ("ror_lower", ">", 1.5)]})
    assert custom["meets_strict"].tolist() == [False, False, False, True]
    with pytest.raises(PvError, match="no column 'nope'"):
        apply_criteria(scores, {"x": [("nope", ">", 1)]})
    assert set(CRITERIA) == {"evans", "ror025", "ic025", "eb05"}


def test_bcpnn_vectorized_equals_the_transcription():
    eic, lb = bcpnn_ic([3], [97], [10], [9890])
    ref = phvid_bcpnn(3, 100, 13, 10000)
    assert (eic[0], lb[0]) == pytest.approx(ref, rel=1e-12)
