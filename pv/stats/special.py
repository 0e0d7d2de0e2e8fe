"""Special functions pv needs vectorised over large arrays, where scipy's general routines are slow.

trigamma ψ'(x) for x > 0: the recurrence ψ'(x) = ψ'(x + 1) + 1/x² lifts x to at least 10, then the asymptotic
series (Abramowitz & Stegun 1964, 6.4.12)::

    ψ'(x) ~ 1/x + 1/(2x²) + Σ_k B_2k / x^(2k+1)
          = 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) + 5/(66x¹¹) − 691/(2730x¹³)

whose first omitted term (7/(6x¹⁵)) is below 2e-14 of ψ'(x) for x >= 10.

Reference: Abramowitz M, Stegun IA (1964). Handbook of Mathematical Functions, §6.4. NBS.
"""

from __future__ import annotations

import numpy as np

_LIFT_TO = 10.0


def trigamma(x):
    """ψ'(x) = d² log Γ(x) / dx², for x > 0 (nan elsewhere)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    y = np.where(x > 0, x, _LIFT_TO)       # x <= 0 is nan below; keep it out of the recurrence
    small = y < _LIFT_TO
    while np.any(small):
        out[small] += 1.0 / (y[small] * y[small])
        y[small] += 1.0
        small = y < _LIFT_TO
    inv = 1.0 / y
    inv2 = inv * inv
    series = inv + inv2 / 2 + inv * inv2 * (1 / 6 + inv2 * (-1 / 30 + inv2 * (1 / 42 + inv2 * (-1 / 30 + inv2 * (5 / 66 - inv2 * 691 / 2730)))))
    out = out + series
    return np.where(x > 0, out, np.nan)
