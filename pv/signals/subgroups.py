"""Whether a drug–event association differs between subgroups: Woolf's test of the ROR across the sexes and
across the age bands (pv.stats.heterogeneity), stored per run in ``signal_subgroup_heterogeneity``. Unknown sex
and unknown age are not subgroups here: they mix everyone whose value was not reported. The subgroup tables hold
the subgroups where the pair was reported at least once (a >= 1), so a subgroup without any report of the pair does
not enter the test: a drug-event pair seen only in women is not "heterogeneous", it is untestable (nan)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pv import db
from pv.stats.heterogeneity import woolf_test

ALPHA = 0.05
KEY = ["level", "drug", "event", "subgroup_kind"]


def count_subgroups(con: duckdb.DuckDBPyConnection, settings, drugs: list[str]) -> None:
    """``drug_event_counts_subgroup`` for ``drugs`` over the analysis universe of the last count
    (:func:`pv.signals.count_pairs`): the parts of one shard on one node, or of many on a Dask cluster, summed by
    the same SQL."""
    from pv.signals import sharded

    drug_ids = [r[0] for r in con.execute("select drug_id from analysis_drug where list_contains($drugs, drug)",
                                          {"drugs": list(drugs)}).fetchall()]
    sharded.compute_parts(con, settings, sharded.SUBGROUPS, {"drug_ids": drug_ids})
    db.execute(con, "analytics/drug_event_counts_subgroup", {"stratified": settings.stratified})


def record_heterogeneity(con: duckdb.DuckDBPyConnection, run_id: int) -> int:
    """Test every pair of ``drug_event_counts_subgroup``; replaces the run's rows."""
    tables = con.sql("select * from drug_event_counts_subgroup where subgroup <> 'unknown'").to_arrow_table().to_pandas()
    result = woolf_test(tables, KEY) if len(tables) else None
    if result is not None and len(result):
        result["is_heterogeneous"] = result["p_value"] < ALPHA
        rows = pa.Table.from_pandas(result, preserve_index=False)
    else:
        rows = None
    db.replace_run_rows(con, "signal_subgroup_heterogeneity", run_id, rows)
    return 0 if result is None else len(result)
