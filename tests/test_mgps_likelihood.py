"""The MGPS likelihood's analytic derivatives, the bounded Newton minimizer that polishes the fit with them, and
the vectorised trigamma: each against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize, rosen, rosen_der, rosen_hess
from scipy.special import polygamma

from pv.stats.mgps_likelihood import Points, objective, objective_hessian
from pv.stats.newton import minimize_newton, minimize_newton_many
from pv.stats.special import trigamma


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(3)
    n = rng.negative_binomial(0.5, 0.3, 5000) + 1.0
    e = rng.gamma(0.5, 2, 5000) + 0.01
    return Points.of(n, e, rng.integers(1, 4, 5000).astype(float))


@pytest.mark.parametrize("x", [[np.log(0.2), np.log(0.1), np.log(2.0), np.log(4.0), -0.7],
                               [0.3, -1.0, 1.5, 0.2, 0.4], [-3.0, -3.0, 2.0, 2.0, 2.0], [6.0, 6.5, -1.0, 0.5, -4.0]])
def test_gradient_and_hessian_match_finite_differences(points, x):
    x = np.asarray(x)
    nll, grad, hess = objective_hessian(x, points)
    nll_ref, grad_ref = objective(x, points)
    assert nll == pytest.approx(nll_ref, rel=1e-12)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-9, atol=1e-9)
    h = 1e-6
    numeric = np.column_stack([(objective(x + h * np.eye(5)[i], points)[1] - objective(x - h * np.eye(5)[i], points)[1])
                               / (2 * h) for i in range(5)])
    assert np.max(np.abs(hess - numeric)) <= 1e-7 * np.max(np.abs(hess))
    np.testing.assert_allclose(hess, hess.T)


def test_newton_finds_a_bounded_minimum():
    # Rosenbrock from its usual start: the free minimum (1, 1); with x0 held at most 0.5, the minimum on that bound
    free = minimize_newton(lambda x: (rosen(x), rosen_der(x), rosen_hess(x)), [-1.2, 1.0], [-5, -5], [5, 5])
    assert free.success and np.allclose(free.x, [1, 1], atol=1e-6) and free.nit < 40
    bounded = minimize_newton(lambda x: (rosen(x), rosen_der(x), rosen_hess(x)), [-1.2, 1.0], [-5, -5], [0.5, 5])
    ref = minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="L-BFGS-B", bounds=[(-5, 0.5), (-5, 5)])
    assert bounded.x[0] == 0.5 and bounded.fun == pytest.approx(ref.fun, rel=1e-9)


def test_newton_reports_a_start_without_a_finite_value():
    result = minimize_newton(lambda x: (np.inf, np.zeros(2), np.eye(2)), [0.0, 0.0], [-1, -1], [1, 1])
    assert not result.success and "finite" in result.message


def test_trigamma_matches_scipy():
    x = np.concatenate([np.logspace(-6, 8, 20001), np.arange(1, 2000.0), [9.999999, 10.0, 10.000001]])
    np.testing.assert_allclose(trigamma(x), polygamma(1, x), rtol=2e-14)
    assert np.isnan(trigamma(np.array([0.0, -1.0]))).all()


def test_many_points_evaluate_as_each_alone(points):
    xs = np.array([[np.log(0.2), np.log(0.1), np.log(2.0), np.log(4.0), -0.7], [0.3, -1.0, 1.5, 0.2, 0.4],
                   [6.0, 6.5, -1.0, 0.5, -4.0]])
    f, g, h = objective_hessian(xs, points)
    assert f.shape == (3,) and g.shape == (3, 5) and h.shape == (3, 5, 5)
    for i, x in enumerate(xs):
        one = objective_hessian(x, points)
        assert f[i] == pytest.approx(one[0], rel=1e-14)
        np.testing.assert_allclose(g[i], one[1], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(h[i], one[2], rtol=1e-12, atol=1e-9)


def test_newton_from_many_starts_follows_each_start_alone():
    # Rosenbrock in 2 dimensions, from four starts, one of which ends on a bound: side by side, each start takes
    # the iterates, iterations and evaluations it takes alone
    def fgh_many(xs):
        return (np.array([rosen(x) for x in xs]), np.array([rosen_der(x) for x in xs]),
                np.array([rosen_hess(x) for x in xs]))

    starts = np.array([[-1.2, 1.0], [2.0, -1.5], [0.0, 0.0], [-3.0, 4.0]])
    lower, upper = [-5, -5], [0.5, 5]
    together = minimize_newton_many(fgh_many, starts, lower, upper)
    for start, res in zip(starts, together, strict=True):
        alone = minimize_newton(lambda x: (rosen(x), rosen_der(x), rosen_hess(x)), start, lower, upper)
        assert np.array_equal(res.x, alone.x) and (res.nit, res.nfev, res.message) == (alone.nit, alone.nfev,
                                                                                       alone.message)
        assert res.success and res.x[0] == 0.5


def test_gamma_cdf_far_from_the_mode_is_exactly_its_limit():
    from scipy.special import gammainc

    from pv.stats.mgps import _gamma_cdf

    k = np.repeat([0.3, 2.0, 40.0, 1.6e5, 3e6], 400)
    y = k * np.tile(np.exp(np.linspace(-0.5, 0.5, 400)), 5) + np.tile(np.linspace(-3, 3, 400), 5) ** 2
    ours = _gamma_cdf(k, y)
    assert np.max(np.abs(ours - gammainc(k, y))) <= 1e-16
    assert ((ours == 0) | (ours == 1)).sum() > 300          # the shortcut is taken for the far points


def test_a_prior_without_disproportionality_is_fitted_to_its_optimum():
    # every pair reported as expected (λ = 1): the likelihood rises towards point masses, the optimum is on the
    # bound of the shape. The fit must get there, and no worse than an independent optimizer (scipy's L-BFGS-B
    # on the exact likelihood, from every start) gets.
    from pv.stats.mgps import DEFAULT_STARTS, fit_mgps

    rng = np.random.default_rng(5)
    e = rng.gamma(0.4, 2.0, 40_000) + 0.01
    n = rng.poisson(e)
    n, e = n[n >= 1].astype(float), e[n >= 1]
    prior = fit_mgps(n, e, squash_above=2000)
    assert prior.converged and prior.n_agreeing >= 3 and "point mass" in prior.warnings[0]
    pts = Points.of(n, e, np.ones_like(n))
    bounds = [(-12, 12)] * 4 + [(-15, 15)]
    best = min(minimize(objective, np.r_[np.log(s[:4]), np.log(s[4] / (1 - s[4]))], args=(pts,), jac=True,
                        method="L-BFGS-B", bounds=bounds).fun for s in DEFAULT_STARTS)
    assert prior.nll <= best + 1e-6


def test_trigamma_keeps_the_shape_of_a_table_of_values():
    x = np.array([[0.3, 12.0, 4.5], [9.99, 1e-4, 250.0]])
    np.testing.assert_allclose(trigamma(x), polygamma(1, x), rtol=2e-14)
    assert trigamma(x).shape == (2, 3)


@pytest.mark.parametrize("values", [
    np.array([3, 0, 7, 3, 3, 12, 0]),                          # small whole numbers: tabulated
    np.array([5.0, -2.0, 5.0, 40.0, -2.0, 1.5e6]),             # whole floats whose range is too wide: sorted
    np.array([0.5, 2.25, 0.5, 7.0]),                           # not whole: sorted
    np.array([-4.0, -4.0, -1.0, 2.0]),                         # negative whole numbers: tabulated from the least
    np.zeros(0),
])
def test_distinct_equals_numpy_unique(values):
    from pv.stats.special import distinct

    uniq, inverse = distinct(values)
    expected_uniq, expected_inverse = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(uniq, expected_uniq)
    np.testing.assert_array_equal(inverse, expected_inverse.reshape(-1))
    assert uniq.dtype == values.dtype
    np.testing.assert_array_equal(uniq[inverse], values)


def test_unique_pairs_and_presorted_squash_equal_a_sort():
    from pv.stats.mgps_points import sorted_pairs, squash, unique_pairs

    rng = np.random.default_rng(11)
    n = np.minimum(rng.zipf(1.6, 60_000), 400).astype(float)
    margin = rng.integers(1, 300, (2, 60_000)).astype(float)
    e = margin[0] * margin[1] / 5000.0                         # E repeats, as products of margins do
    points_n, points_e, weight, inverse = unique_pairs(n, e)
    order = np.lexsort((e, n))
    first = np.r_[True, (np.diff(n[order]) != 0) | (np.diff(e[order]) != 0)]
    np.testing.assert_array_equal(points_n, n[order][first])
    np.testing.assert_array_equal(points_e, e[order][first])
    np.testing.assert_array_equal(weight, np.diff(np.r_[np.flatnonzero(first), n.size]))
    np.testing.assert_array_equal(points_n[inverse], n)
    np.testing.assert_array_equal(points_e[inverse], e)
    sn, se = sorted_pairs(points_n, points_e, weight)
    np.testing.assert_array_equal(sn, n[order])
    np.testing.assert_array_equal(se, e[order])
    for options in ({"bins": 20}, {"bins": 20, "high_bands": 5}):
        got, want = (np.column_stack(t) for t in (squash(sn, se, presorted=True, **options), squash(n, e, **options)))
        # the same squashed points (the ones kept exactly may come in another order)
        got, want = (t[np.lexsort(t.T[::-1])] for t in (got, want))
        np.testing.assert_allclose(got, want, rtol=1e-13)
