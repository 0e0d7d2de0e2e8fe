"""Counting on a Dask cluster (engine = "dask"): a LocalCluster of 2 worker processes and 4 shards gives exactly the
single-node tables (the 2x2 tables, the subgroup tables and each quarter's changes for time to signal); rows split
without regard to case do not; a worker with another pv version is refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pv import meddra, standardize
from pv.errors import PvError
from pv.ingest import ingest_path
from pv.signals import ScoreSettings, asof, count_pairs, prepare, reduce_counts, sharded
from pv.signals.subgroups import count_subgroups

SAMPLE = Path(__file__).parent.parent / "sample_data"
KEY = ["level", "drug", "event"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Two sample quarters (follow-ups, probable duplicates, reports whose terms are not PTs), with the demo's
    invented MedDRA so that every level is counted."""
    con = duckdb.connect(str(tmp_path_factory.mktemp("sharded") / "pv.duckdb"))
    for path in sorted(SAMPLE.glob("*.zip"))[:2]:
        ingest_path(con, path)
    meddra.load(con, SAMPLE / "meddra_demo")
    standardize.build(con)
    yield con
    con.close()


def _counts(con, **settings) -> pd.DataFrame:
    s = ScoreSettings(**settings)
    return count_pairs(con, s, prepare(con, s)).sort_values(KEY).reset_index(drop=True)


def test_a_local_cluster_counts_exactly_what_one_node_counts(sample):
    one = _counts(sample, stratified=True)
    assert {"pt", "subcategory", "category", "hlt", "soc", "smq_broad"} <= set(one["level"])
    assert sample.execute("select count(*) from case_duplicate where not is_retained").fetchone()[0] > 0
    many = _counts(sample, stratified=True, engine="dask", cluster={"local_workers": 2, "shards": 4})
    assert len(many) == len(one) > 10_000
    for col in ("level", "drug", "event", "a", "b", "c", "d", "n_drug", "n_event", "n_total"):
        assert (many[col] == one[col]).all(), col
    assert ((many["expected_stratified"] - one["expected_stratified"]).abs()
            <= 1e-12 * one["expected_stratified"]).all()


DELTAS = ("pair_delta", "drug_delta", "event_delta", "total_delta", "drug_stratum_delta", "event_stratum_delta",
          "total_stratum_delta")
DRUGS = ["ALEMTUZUMAB", "NATALIZUMAB", "RITUXIMAB"]


def _subgroups_and_quarters(con, **settings) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    s = ScoreSettings(stratified=True, **settings)
    prepared = prepare(con, s)
    count_pairs(con, s, prepared)
    count_subgroups(con, s, DRUGS)
    sub = con.sql("select * from drug_event_counts_subgroup").df()
    quarters = asof.build(con, s, prepared["levels"], say=lambda _m: None)
    assert len(quarters) == 2
    deltas = {t: con.sql(f"select * from asof_{t} order by all").df() for t in DELTAS}  # noqa: S608 (fixed names)
    return sub.sort_values(["subgroup_kind", "subgroup", *KEY]).reset_index(drop=True), deltas


def test_subgroup_and_per_quarter_counts_on_a_cluster_equal_one_node(sample):
    one_sub, one_quarters = _subgroups_and_quarters(sample)
    many_sub, many_quarters = _subgroups_and_quarters(sample, engine="dask", cluster={"local_workers": 2, "shards": 4})
    assert set(one_sub["subgroup_kind"]) == {"sex", "age_band"} and set(one_sub["drug"]) == set(DRUGS)
    assert len(many_sub) == len(one_sub) > 1000
    for col in ("subgroup_kind", "subgroup", "level", "drug", "event", "a", "b", "c", "d"):
        assert (many_sub[col] == one_sub[col]).all(), col
    assert ((many_sub["expected_stratified"] - one_sub["expected_stratified"]).abs()
            <= 1e-12 * one_sub["expected_stratified"]).all()
    # each quarter's changes: follow-ups and deletions in the second quarter take counts away again
    assert (one_quarters["pair_delta"]["delta"] < 0).any() and len(one_quarters["drug_stratum_delta"]) > 0
    for table in DELTAS:
        pd.testing.assert_frame_equal(many_quarters[table], one_quarters[table], check_dtype=False, obj=table)


def test_rows_split_without_regard_to_case_give_wrong_counts(sample, tmp_path):
    """The negative control: exposures dealt to shards by row, not by case, break the parts' premise (a case's
    drugs and events in one shard), and the reduced table differs from the true one."""
    one = _counts(sample)
    for kind, sql in (("exposure", "select case_key, drug_id, (row_number() over ()) % 4 as shard "
                                   "from analysis_exposure_key"),
                      ("event", "select case_key, event_id, case_key % 4 as shard from analysis_event_key"),
                      ("case", "select case_key, null::varchar as stratum, case_key % 4 as shard from analysis_case")):
        table = sample.sql(sql).to_arrow_table()
        for shard in range(4):
            folder = tmp_path / kind / f"shard={shard}"
            folder.mkdir(parents=True)
            part = table.filter(pa.compute.equal(table["shard"], shard)).drop(["shard"])
            pq.write_table(part, folder / "part.parquet")
    parts = [sharded.shard_parts(str(tmp_path), shard, sharded.COUNTS, {"stratified": False}) for shard in range(4)]
    sharded.gather_parts(sample, sharded.COUNTS, parts)
    reduce_counts(sample, stratified=False)
    wrong = sample.sql("select * from drug_event_counts").df().sort_values(KEY).reset_index(drop=True)
    merged = one.merge(wrong, on=KEY, how="outer", suffixes=("", "_split"), indicator=True)
    differs = (merged["_merge"] != "both") | (merged["a"] != merged["a_split"])
    assert differs.sum() > 100


def test_a_worker_with_another_pv_version_is_refused(sample, monkeypatch):
    monkeypatch.setattr(sharded, "__version__", "0.0.0-not-this")
    with pytest.raises(PvError, match=r"Every Dask worker must run pv 0\.0\.0-not-this.*runs pv"):
        _counts(sample, engine="dask", cluster={"local_workers": 1, "shards": 2})


def test_a_cluster_without_a_shared_folder_is_refused(sample):
    with pytest.raises(PvError, match="set \\[dask\\] shard_path"):
        _counts(sample, engine="dask", cluster={"scheduler": "tcp://127.0.0.1:1", "shards": 2})
