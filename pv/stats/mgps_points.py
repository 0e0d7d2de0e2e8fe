"""The points an MGPS fit runs on (pv.stats.mgps): the distinct (N, E) of a table, and the squashed table.

The likelihood and the posterior of a pair depend on its (N, E) only, so a table's distinct (N, E) points, each
weighted by how many pairs share it, give exactly the same likelihood and scores on fewer points
(:func:`unique_pairs`). Squashing (DuMouchel & Pregibon 2001) goes further for the search of the optimum: within
each count, the expected counts are pooled into quantile bins, each bin one point at its mean E, weighted by its
pairs (:func:`squash`).

Reference: DuMouchel W, Pregibon D (2001). Empirical Bayes screening for multi-item associations. KDD '01, 67-76.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pv.stats.special import distinct


def unique_pairs(n, e):
    """Distinct (n, E) points, sorted by n then E, how many pairs share each, and each pair's point: (n, E,
    weight, inverse). Found by hashing (linear in the pairs), then only the distinct points are sorted."""
    n = np.asarray(n, dtype=float)
    e = np.asarray(e, dtype=float)
    if n.size == 0:
        return n.copy(), e.copy(), np.zeros(0), np.zeros(0, dtype=np.int64)
    counts, count_index = distinct(n)
    e_code, e_values = pd.factorize(e, use_na_sentinel=False)
    key_code, keys = pd.factorize(e_code.astype(np.int64) * counts.size + count_index)
    point_n, point_e = counts[keys % counts.size], np.asarray(e_values, dtype=float)[keys // counts.size]
    order = np.lexsort((point_e, point_n))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    weight = np.bincount(key_code, minlength=keys.size)[order].astype(float)
    return point_n[order], point_e[order], weight, rank[key_code]


def sorted_pairs(points_n, points_e, weight) -> tuple[np.ndarray, np.ndarray]:
    """Every pair's (n, E), sorted by n then E, rebuilt from :func:`unique_pairs`' distinct points (no sort)."""
    times = weight.astype(np.intp)
    return np.repeat(points_n, times), np.repeat(points_e, times)


def squash(n, e, *, max_exact_n: int = 50, bins: int = 2000, high_bands: int | None = None,
           presorted: bool = False):
    """Pool pairs with the same count into ``bins`` quantile bins of log E (DuMouchel & Pregibon 2001).

    Returns (n, e, weight). Counts above ``max_exact_n`` and counts with few pairs are kept one by one; with
    ``high_bands``, the counts above ``max_exact_n`` are pooled too, into that many log-spaced bands of the count,
    each cut into ``bins`` quantile bins of E, with the mean count and the mean E of each bin (a coarser table to
    search on: the count is then no longer a whole number). ``presorted``: the pairs are already sorted by n then
    E (:func:`sorted_pairs`), which saves sorting them again."""
    out_n, out_e, out_w = [], [], []
    big = n > max_exact_n
    if high_bands and big.sum() > high_bands * bins:
        band = np.floor(np.log(n[big] / max_exact_n) / np.log(n[big].max() / max_exact_n) * (high_bands - 1e-9))
        order = np.lexsort((e[big], band))
        bn, be, bb = n[big][order], e[big][order], band[order]
        starts = np.flatnonzero(np.r_[True, np.diff(bb) != 0])
        for s, t in zip(starts, np.r_[starts[1:], bb.size], strict=True):
            edges = np.unique(np.linspace(0, t - s, bins + 1).astype(int))
            counts = np.diff(edges)
            out_n.append(np.add.reduceat(bn[s:t], edges[:-1]) / counts)
            out_e.append(np.add.reduceat(be[s:t], edges[:-1]) / counts)
            out_w.append(counts.astype(float))
    else:
        out_n.append(n[big])
        out_e.append(e[big])
        out_w.append(np.ones(int(big.sum())))
    small_n, small_e = n[~big], e[~big]
    if not presorted:
        order = np.lexsort((small_e, small_n))
        small_n, small_e = small_n[order], small_e[order]
    starts = np.flatnonzero(np.r_[True, np.diff(small_n) != 0])
    ends = np.r_[starts[1:], small_n.size]
    for s, t in zip(starts, ends, strict=True):
        size = t - s
        if size <= bins:
            out_n.append(small_n[s:t])
            out_e.append(small_e[s:t])
            out_w.append(np.ones(size))
            continue
        edges = np.linspace(0, size, bins + 1).astype(int)
        counts = np.diff(edges)
        sums = np.add.reduceat(small_e[s:t], edges[:-1])
        out_n.append(np.full(bins, small_n[s]))
        out_e.append(sums / counts)
        out_w.append(counts.astype(float))
    return np.concatenate(out_n), np.concatenate(out_e), np.concatenate(out_w)
