"""Special functions and helpers pv needs vectorised over large arrays, where the general routines are slow.

trigamma ψ'(x) for x > 0: the recurrence ψ'(x) = ψ'(x + 1) + 1/x² lifts x to at least 10, then the asymptotic
series (Abramowitz & Stegun 1964, 6.4.12)::

    ψ'(x) ~ 1/x + 1/(2x²) + Σ_k B_2k / x^(2k+1)
          = 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) + 5/(66x¹¹) − 691/(2730x¹³)

whose first omitted term (7/(6x¹⁵)) is below 2e-14 of ψ'(x) for x >= 10.

distinct(values): ``np.unique(values, return_inverse=True)`` for whole numbers in linear time. A table's counts and
margins are whole numbers with far fewer distinct values than pairs, and a statistic that depends on one of them
through a special function (ψ, ψ', a gamma quantile) is evaluated once per distinct value and gathered.

Reference: Abramowitz M, Stegun IA (1964). Handbook of Mathematical Functions, §6.4. NBS.
"""

from __future__ import annotations

import numpy as np

_LIFT_TO = 10.0
_TABLE_PER_VALUE = 4    # distinct() tabulates when the range of values is at most this many times their number


def distinct(values) -> tuple[np.ndarray, np.ndarray]:
    """(the sorted distinct values, the index of each value among them), as ``np.unique(values,
    return_inverse=True)`` gives them. Whole numbers whose range is small next to their number are tabulated
    (one pass, no sort); anything else goes to ``np.unique``."""
    x = np.asarray(values)
    flat = x.reshape(-1)
    if flat.size == 0:
        return flat.copy(), np.zeros(0, dtype=np.intp)
    lo, hi = flat.min(), flat.max()
    whole = np.isfinite(lo) and np.isfinite(hi) and (x.dtype.kind in "iu" or bool(np.all(flat == np.round(flat))))
    span = float(hi) - float(lo)
    if not whole or span > _TABLE_PER_VALUE * flat.size + 1024:
        uniq, inverse = np.unique(flat, return_inverse=True)
        return uniq, inverse.reshape(-1)
    offset = (flat - lo).astype(np.intp)
    present = np.zeros(int(span) + 1, dtype=bool)
    present[offset] = True
    slots = np.flatnonzero(present)
    rank = np.cumsum(present, dtype=np.intp) - 1
    return (slots + lo).astype(x.dtype), rank[offset]


def trigamma(x):
    """ψ'(x) = d² log Γ(x) / dx², for x > 0 (nan elsewhere)."""
    x = np.asarray(x, dtype=float)
    y = np.where(x > 0, x, _LIFT_TO)       # x <= 0 is nan below; keep it out of the recurrence
    out = np.zeros_like(y)
    low = np.flatnonzero(y < _LIFT_TO)
    if low.size:                           # lift only the values below 10, by as many steps as each needs
        y_low = y.reshape(-1)[low]
        steps = np.ceil(_LIFT_TO - y_low)
        added = np.zeros_like(y_low)
        for j in range(int(steps.max())):
            term = y_low + j
            added += np.where(j < steps, 1.0 / (term * term), 0.0)
        out.reshape(-1)[low] = added
        y.reshape(-1)[low] = y_low + steps
    inv = 1.0 / y
    inv2 = inv * inv
    series = inv + inv2 / 2 + inv * inv2 * (1 / 6 + inv2 * (-1 / 30 + inv2 * (1 / 42 + inv2 * (-1 / 30 + inv2 * (5 / 66 - inv2 * 691 / 2730)))))
    out = out + series
    return np.where(x > 0, out, np.nan)
