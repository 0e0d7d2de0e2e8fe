"""Minimizing a smooth function of a few bounded parameters by Newton's method with its analytic Hessian.

Each iteration solves H·s = −g on the parameters not held at a bound, with the eigenvalues of the Hessian (scaled
by its diagonal) replaced by their absolute values (floored), so that every step descends and a saddle point is left along its negative
curvature (Gill, Murray & Wright 1981, §4.4.2), caps the step's length, and backtracks until the Armijo condition
holds (Nocedal & Wright 2006, Alg. 3.1). Close to the optimum the steps are Newton's, and converge quadratically:
a handful of evaluations instead of the tens a quasi-Newton method needs, which matters when each evaluation runs
over a large table.

References
----------
1. Gill PE, Murray W, Wright MH (1981). Practical Optimization. Academic Press.
2. Nocedal J, Wright SJ (2006). Numerical Optimization, 2nd ed. Springer.
3. Boyd S, Vandenberghe L (2004). Convex Optimization, §9.5. Cambridge University Press.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class NewtonResult:
    x: np.ndarray
    fun: float
    success: bool
    nit: int
    nfev: int
    message: str


def minimize_newton(fgh: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]], x0, lower, upper, *,
                    maxiter: int = 200, gtol: float = 1e-8, ftol: float = 1e-12, max_step: float = 3.0,
                    max_halvings: int = 8) -> NewtonResult:
    """Minimize f within [lower, upper] from x0; ``fgh(x)`` returns (f, gradient, Hessian). Converged when the
    projected gradient is at most ``gtol`` relative to max(|f|, 1) (largest component: a likelihood summed over
    many points has a gradient as large as its rounding), when the Newton decrement says a full step would
    lower f by at most ``ftol`` relative to it (the Hessian positive definite), or when a full step (or three steps
    in a row) did. The line search quarters the step up to ``max_halvings`` times."""
    def fgh_rows(xs):
        f, g, h = fgh(xs[0])
        return np.array([f], dtype=float), np.asarray(g, float)[None], np.asarray(h, float)[None]

    return minimize_newton_many(fgh_rows, np.atleast_2d(np.asarray(x0, float)), lower, upper, maxiter=maxiter,
                                gtol=gtol, ftol=ftol, max_step=max_step, max_halvings=max_halvings)[0]


def minimize_newton_many(fgh: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]], x0, lower, upper,
                         *, maxiter: int = 200, gtol: float = 1e-8, ftol: float = 1e-12, max_step: float = 3.0,
                         max_halvings: int = 8) -> list[NewtonResult]:
    """:func:`minimize_newton` from each row of ``x0`` (k, m), side by side: ``fgh(xs)`` evaluates f, its gradient
    and its Hessian at several points at once, (j,), (j, m), (j, m, m), so that each evaluation of a costly f serves
    every start still running. Each start follows exactly the iterations it would follow alone."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    x = np.clip(np.array(x0, dtype=float, ndmin=2), lower, upper)
    k, m = x.shape
    f, g, h = (np.array(v, dtype=float) for v in fgh(x))
    nit, nfev, small = np.zeros(k, int), np.ones(k, int), np.zeros(k, int)
    success, message = np.zeros(k, bool), np.full(k, "maximum number of iterations reached", dtype=object)
    running = np.isfinite(f)
    message[~running] = "the starting point has no finite value"
    for _ in range(maxiter):
        rows = np.flatnonzero(running)
        if rows.size == 0:
            break
        xr, fr, gr, hr = x[rows], f[rows], g[rows], h[rows]
        scale_f = np.maximum(np.abs(fr), 1.0)
        held = ((xr <= lower) & (gr > 0)) | ((xr >= upper) & (gr < 0))
        gf = np.where(held, 0.0, gr)
        flat = np.max(np.abs(gf), axis=1) <= gtol * scale_f
        _stop(rows[flat], running, success, message, True, "projected gradient below gtol")
        step, convex = _newton_steps(np.where(held[:, :, None] | held[:, None, :], 0.0, hr), gf, held)
        length = np.linalg.norm(step, axis=1)
        long = length > max_step
        step[long] *= (max_step / length[long])[:, None]
        # the Newton decrement: what a full step would still gain is below ftol (Boyd & Vandenberghe 2004, 9.5)
        inside = np.all((xr + step >= lower) & (xr + step <= upper), axis=1)
        decrement = ~long & convex & inside & (-np.einsum("km,km->k", gr, step) / 2 <= ftol * scale_f)
        _stop(rows[decrement & ~flat], running, success, message, True, "Newton decrement below ftol")
        go = ~flat & ~decrement
        rows, xr, fr, gr, step = rows[go], xr[go], fr[go], gr[go], step[go]
        nit[rows] += 1
        # the line search, for every start at once: each quarters its own step until the Armijo condition holds
        t = np.ones(rows.size)
        searching = np.arange(rows.size)
        accepted = np.zeros(rows.size, bool)
        for _ in range(max_halvings):
            if searching.size == 0:
                break
            x_new = np.clip(xr[searching] + t[searching, None] * step[searching], lower, upper)
            f_new, g_new, h_new = fgh(x_new)
            nfev[rows[searching]] += 1
            ok = np.isfinite(f_new) & (f_new <= fr[searching]
                                       + 1e-4 * np.einsum("km,km->k", gr[searching], x_new - xr[searching]))
            done = searching[ok]
            target = rows[done]
            x[target], f[target], g[target], h[target] = x_new[ok], f_new[ok], g_new[ok], h_new[ok]
            accepted[done] = True
            searching = searching[~ok]
            t[searching] *= 0.25
        # no decrease along a descent direction: f is flat to rounding here, or the minimum lies on a bound
        _stop(rows[~accepted], running, success, message, False, "no further decrease along the Newton direction")
        moved = rows[accepted]
        drop = fr[accepted] - f[moved]
        tiny = drop <= ftol * np.maximum(np.abs(f[moved]), 1.0)
        small[moved] = np.where(tiny, small[moved] + 1, 0)
        ends = tiny & ((t[accepted] == 1.0) | (small[moved] >= 3))
        _stop(moved[ends], running, success, message, True, "relative reduction below ftol")
    return [NewtonResult(x[i].copy(), float(f[i]), bool(success[i]), int(nit[i]), int(nfev[i]), str(message[i]))
            for i in range(k)]


def _stop(rows, running, success, message, ok: bool, why: str) -> None:
    running[rows], success[rows], message[rows] = False, ok, why


def _newton_steps(h, g, held):
    """The modified Newton step of each row, on its free parameters (the held ones have zero rows and columns in
    ``h`` and zero gradient): the Hessian scaled by its diagonal, so that the floor on its eigenvalues is relative
    to each parameter's own curvature; |eigenvalues|, floored, so that every step descends and a flat direction
    gets a long step, which the cap and the line search bound. Returns the steps and whether each Hessian was
    positive definite on the free parameters."""
    diag = np.abs(np.diagonal(h, axis1=1, axis2=2))
    floor = 1e-12 * np.maximum(np.where(held, 0.0, diag).max(axis=1), 1e-300)
    scale = np.where(held, 1.0, np.sqrt(np.maximum(diag, floor[:, None])))
    scaled = h / (scale[:, :, None] * scale[:, None, :])
    idx = np.arange(h.shape[1])
    scaled[:, idx, idx] = np.where(held, 1.0, scaled[:, idx, idx])    # a held parameter: a block of its own
    w, v = np.linalg.eigh(scaled)
    convex = w.min(axis=1) > 0                               # the held parameters' eigenvalues are 1
    w = np.maximum(np.abs(w), 1e-6 * np.maximum(1.0, np.max(np.abs(w), axis=1, keepdims=True)))
    coef = np.einsum("kji,kj->ki", v, g / scale) / w
    step = -np.einsum("kij,kj->ki", v, coef) / scale
    return np.where(held, 0.0, step), convex
