"""Stratified expected counts of every drug–event pair, computed as a blocked matrix product.

For a pair (i, j) and strata s (age band × sex × report year), the expected count adjusted for the strata is::

    E_ij = Σ_s n_i.s · n_.js / N_s

(DuMouchel 1999, §4; Evans et al. 2001 stratify PRR likewise), with n_i.s the reports of drug i in stratum s, n_.js
those of event j and N_s the stratum's reports. Over all pairs it is the matrix product A·diag(1/N)·Bᵀ of the
drug-by-stratum and event-by-stratum tables, read at the pairs reported (a >= 1). In SQL the sum is a join of
every pair with every stratum its drug and event share (about a billion rows at 20 M reports); here a block of
drugs is multiplied with every event at once (BLAS), and the block's pairs are read from the product. The work is
(drugs × events × strata) multiply-adds, a few seconds for FAERS' vocabulary on two cores, and the memory one
block of ``block_cells`` doubles.

Reference: DuMouchel W (1999). Bayesian data mining in large frequency tables, with an application to the FDA
spontaneous reporting system. Am Stat 53(3):177-190.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pv import db


def stratified_expected(drug_id, event_id, drug_stratum, event_stratum, n_stratum, *,
                        block_cells: int = 16_000_000) -> np.ndarray:
    """E of each pair (``drug_id[k]``, ``event_id[k]``): Σ_s n_i.s · n_.js / N_s.

    ``drug_stratum``: (drug_id, stratum, n) arrays, the reports of each drug in each stratum; ``event_stratum``:
    (event_id, stratum, n) likewise; ``n_stratum``: (stratum, n). Strata are integers; ids are non-negative
    integers. A pair whose drug and event share no stratum gets 0."""
    drug_id, event_id = np.asarray(drug_id, dtype=np.int64), np.asarray(event_id, dtype=np.int64)
    out = np.zeros(drug_id.size)
    if drug_id.size == 0:
        return out
    strata, n_s = (np.asarray(v) for v in n_stratum)
    by_stratum = np.argsort(strata)
    strata, n_s = strata[by_stratum], np.asarray(n_s, dtype=float)[by_stratum]
    drugs, drug_row = np.unique(drug_id, return_inverse=True)         # the drugs and events of the pairs only
    events, event_row = np.unique(event_id, return_inverse=True)
    a = _dense(drugs, drug_stratum, strata) / n_s
    b = _dense(events, event_stratum, strata)
    bt = np.ascontiguousarray(b.T)
    order = np.argsort(drug_row, kind="stable")
    bounds = np.searchsorted(drug_row[order], np.arange(0, drugs.size + 1))
    block = max(1, block_cells // max(1, events.size))
    for first in range(0, drugs.size, block):
        last = min(first + block, drugs.size)
        product = a[first:last] @ bt                                   # (block drugs) × (all events)
        rows = order[bounds[first]:bounds[last]]
        out[rows] = product[drug_row[rows] - first, event_row[rows]]
    return out


def _dense(ids, by_stratum, strata) -> np.ndarray:
    """The (ids × strata) table of counts from (id, stratum, n) rows; ``ids`` and ``strata`` sorted. Rows of
    other ids are left out; a stratum not in ``strata`` is an error of the caller's tables."""
    row_id, stratum, n = (np.asarray(v) for v in by_stratum)
    table = np.zeros((ids.size, strata.size))
    row = np.searchsorted(ids, row_id)
    known = (row < ids.size) & (ids[np.minimum(row, ids.size - 1)] == row_id)
    col = np.searchsorted(strata, stratum)
    if np.any(col[known] >= strata.size) or np.any(strata[np.minimum(col, strata.size - 1)][known] != stratum[known]):
        raise ValueError("stratified_expected: a drug or event is counted in a stratum with no total")
    np.add.at(table, (row[known], col[known]), np.asarray(n, dtype=float)[known])
    return table


def build_pair_expected(con, stratified: bool) -> None:
    """``pair_expected_stratified``: the stratified E of every pair of ``total_pair`` (count_totals.sql), from the
    stratum totals beside it; empty when the run is not stratified."""
    if stratified:
        pairs = con.sql("select drug_id, event_id from total_pair").to_arrow_table()
        expected = stratified_expected(
            pairs["drug_id"].to_numpy(), pairs["event_id"].to_numpy(),
            _columns(con, "select drug_id, stratum_no, n1_s from total_drug_stratum"),
            _columns(con, "select event_id, stratum_no, n_1s from total_event_stratum"),
            _columns(con, "select stratum_no, n_s from total_stratum"))
    else:   # no pair is read: the table stays empty, with the key types of total_pair
        pairs, expected = con.sql("select drug_id, event_id from total_pair limit 0").to_arrow_table(), np.zeros(0)
    stratified_expected_input = pairs.append_column("expected_stratified", pa.array(expected, pa.float64()))
    con.register("stratified_expected_input", stratified_expected_input)
    try:
        db.execute(con, "analytics/pair_expected_stratified", {"stratified": stratified})
    finally:
        con.unregister("stratified_expected_input")


def _columns(con, sql: str) -> list[np.ndarray]:
    table = con.sql(sql).to_arrow_table()
    return [table.column(i).to_numpy() for i in range(table.num_columns)]
