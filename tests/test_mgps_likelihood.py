"""The MGPS likelihood's analytic derivatives, the bounded Newton minimizer that polishes the fit with them, and
the vectorised trigamma: each against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize, rosen, rosen_der, rosen_hess
from scipy.special import polygamma

from pv.stats.mgps_likelihood import Points, objective, objective_hessian
from pv.stats.newton import minimize_newton
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
