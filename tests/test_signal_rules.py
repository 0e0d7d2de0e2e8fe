"""Signal rules a PV scientist checks first: the ror025 criterion on tables with a zero cell, which drug roles
count as suspect, and signal statuses across runs (re-emerged signals, method changes). Answers worked out here."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from pv import db, runs, standardize
from pv.ingest import ingest_report_csv
from pv.signals import ScoreSettings, count_pairs
from pv.signals.history import method_changes
from pv.stats import apply_criteria, disproportionality
from pv.stats.disproportionality import Z_975, ror, ror_lower_judged


def test_ror025_judges_a_zero_cell_table_on_the_haldane_corrected_table():
    # WARFARIN x INR INCREASED in the sample data's shape: a = 28, c = 0 (no other drug reports the event)
    lower, corrected = ror_lower_judged([28, 20], [472, 180], [0, 100], [9500, 9700])
    log_ror = math.log(28.5 * 9500.5 / (472.5 * 0.5))
    se = math.sqrt(1 / 28.5 + 1 / 472.5 + 1 / 0.5 + 1 / 9500.5)
    assert lower[0] == pytest.approx(math.exp(log_ror - Z_975 * se), rel=1e-12)      # 69.87
    assert lower[0] == pytest.approx(69.87, abs=0.01) and corrected.tolist() == [True, False]
    _, plain_lower, _ = ror(20, 180, 100, 9700)
    assert lower[1] == plain_lower                                                     # no zero cell: unchanged
    assert np.isnan(ror(28, 472, 0, 9500)[1])                                         # the reported limit stays nan
    scored = apply_criteria(disproportionality(
        pd.DataFrame({"a": [28, 2], "b": [472, 0], "c": [0, 50], "d": [9500, 9948]}), mgps=False))
    assert scored["meets_ror025"].tolist() == [True, False]          # a = 2 < 3: still not met
    assert scored["is_haldane"].tolist() == [True, True] and np.isinf(scored["ror"][0])


def _csv(con, tmp_path, rows, name="r"):
    path = tmp_path / f"{name}.csv"
    path.write_text("report_id,drug,event,role\n" + "".join(f"{r},{d},{e},{role}\n" for r, d, e, role in rows))
    ingest_report_csv(con, path)


def test_suspect_means_ps_ss_and_interacting(con, tmp_path):
    _csv(con, tmp_path, [("1", "DRUG A", "Nausea", "I"), ("1", "DRUG B", "Nausea", "PS"),
                         ("2", "DRUG A", "Rash", "C"), ("2", "DRUG C", "Rash", "PS"),
                         # the same drug twice in a report: interacting outranks concomitant
                         ("3", "DRUG A", "Rash", "C"), ("3", "DRUG A", "Rash", "I"), ("3", "DRUG C", "Rash", "SS")])
    standardize.build(con)
    roles = dict(con.execute("select case_id, role from case_drug where ingredient = 'DRUG A'").fetchall())
    assert roles == {"r:1": "I", "r:2": "C", "r:3": "I"}
    counts = count_pairs(con, ScoreSettings(levels=("pt",))).set_index(["drug", "event"])
    assert counts.loc[("DRUG A", "NAUSEA"), "a"] == 1 and counts.loc[("DRUG A", "RASH"), "a"] == 1   # report 2: C
    every_role = count_pairs(con, ScoreSettings(roles="all", levels=("pt",))).set_index(["drug", "event"])
    assert every_role.loc[("DRUG A", "RASH"), "a"] == 2


def test_method_changes_name_what_differs():
    before = {"scoring": {"stratified": False, "roles": "suspect"}, "meddra_version": None, "pv_version": "0.4"}
    after = {"scoring": {"stratified": True, "roles": "suspect"}, "meddra_version": "27.1", "pv_version": "0.4"}
    assert method_changes(before, after) == ["meddra_version", "scoring.stratified"]
    assert method_changes(after, after) == [] and method_changes(None, after) == []


def _history(con):
    return {(r[0], r[1]): r[2:] for r in con.execute(
        "select drug, event, status, is_method_changed, method_changes from signal_history").fetchall()}


def test_statuses_new_persisting_re_emerged_no_longer_met(con):
    runs.ensure_schema(con)
    db.execute(con, "analytics/run_schema")
    for run_id in (1, 2, 3):
        con.execute("insert into signal_run (run_id, started_at, status, score_run_id, method_changes) values "
                    "($r, current_localtimestamp(), 'completed', $r, $m)",
                    {"r": run_id, "m": "scoring.stratified" if run_id == 3 else None}).fetchall()
    # X: runs 1 and 3 (lapsed in 2); Y: run 3 only; Z: runs 2 and 3; W: run 1 only
    for run_id, event in [(1, "X"), (3, "X"), (3, "Y"), (2, "Z"), (3, "Z"), (1, "W")]:
        con.execute("insert into signal (run_id, level, drug, event, a) values ($r, 'pt', 'D', $e, 3)",
                    {"r": run_id, "e": event}).fetchall()
    (view,) = [s for s in db.statements("views") if "create or replace view signal_history" in s]
    con.execute(view).fetchall()
    history = _history(con)
    assert {e: v[0] for (_, e), v in history.items()} == {
        "X": "re-emerged", "Y": "new", "Z": "persisting", "W": "no longer met"}
    assert all(v[1:] == (True, "scoring.stratified") for v in history.values())    # the latest run changed method


def test_a_run_records_its_method_change(small_db_runs):
    con, first, second = small_db_runs
    rows = dict(con.execute("select run_id, method_changes from signal_run").fetchall())
    assert rows[first] is None and rows[second] == "scoring.stratified"
    method = json.loads(con.execute("select method from signal_run where run_id = $r", {"r": second}).fetchone()[0])
    assert method["scoring"]["stratified"] is True and method["signal_criteria"] == ["ror025"]
    assert {v[1] for v in _history(con).values()} == {True}


@pytest.fixture
def small_db_runs(con, tmp_path):
    from pv.config import PvConfig

    rows = [(str(i), "DRUG A", "Rash", "PS") for i in range(1, 7)] + \
           [(str(i), "DRUG B", "Nausea", "PS") for i in range(7, 40)] + [("40", "DRUG A", "Nausea", "PS")]
    _csv(con, tmp_path, rows)
    first = runs.run_in_process(con, PvConfig(drugs_of_interest=["DRUG A"], signal_criteria=["ror025"],
                                              report_formats=["csv"]))
    second = runs.run_in_process(con, PvConfig(drugs_of_interest=["DRUG A"], signal_criteria=["ror025"],
                                               report_formats=["csv"], stratified=True))
    return con, first, second


def test_woolf_test_of_heterogeneity_between_subgroups():
    from scipy.stats import chi2

    from pv.stats.heterogeneity import ror_ratio, woolf_test

    tables = pd.DataFrame({
        "pair": ["P", "P", "P", "Q", "Q", "R"],
        "a": [20, 10, 0, 5, 5, 4], "b": [80, 90, 0, 95, 95, 6], "c": [20, 10, 3, 10, 10, 0], "d": [980, 990, 50, 890, 890, 90],
    })
    out = woolf_test(tables, ["pair"]).set_index("pair")
    l1, v1 = math.log(20 * 980 / (80 * 20)), 1 / 20 + 1 / 80 + 1 / 20 + 1 / 980
    l2, v2 = math.log(10 * 990 / (90 * 10)), 1 / 10 + 1 / 90 + 1 / 10 + 1 / 990
    q = (1 / v1) * (1 / v2) * (l1 - l2) ** 2 / (1 / v1 + 1 / v2)     # two strata: Q = w1 w2 (l1 - l2)^2 / (w1 + w2)
    assert out.loc["P", "n_subgroups"] == 2                           # the third: drug never reported there
    assert out.loc["P", "q"] == pytest.approx(q, rel=1e-12)
    assert out.loc["P", "p_value"] == pytest.approx(chi2.sf(q, 1), rel=1e-12)
    assert out.loc["Q", "q"] == pytest.approx(0.0, abs=1e-12) and out.loc["Q", "p_value"] == pytest.approx(1.0)
    assert np.isnan(out.loc["R", "q"]) and np.isnan(out.loc["R", "p_value"])       # one subgroup: no test
    ratio, lower, upper = ror_ratio(20, 80, 20, 980, 10, 90, 10, 990)
    assert ratio == pytest.approx(12.25 / 11, rel=1e-12) and lower < ratio < upper
    se = math.sqrt(v1 + v2)
    assert lower == pytest.approx(math.exp(l1 - l2 - Z_975 * se), rel=1e-12)
