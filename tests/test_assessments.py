"""Signal management: assessments with an append-only audit trail, carried over and reopened by the rule, written
while a nightly run holds the database; labelled events from the reference safety information."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import demo_row, drug_row, reac_row, write_quarter
from typer.testing import CliRunner

from pv import runs
from pv.cli import app
from pv.config import PvConfig
from pv.errors import PvError
from pv.ingest import ingest_path
from pv.signals import assessments, labels

PML = "PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY"


def _quarter(path, quarter, groups, first_caseid):
    """groups: (count, drug, pt); every case its own age (no probable duplicates)."""
    demo, drug, reac, caseid = [], [], [], first_caseid
    for count, name, pt in groups:
        for _ in range(count):
            caseid += 1
            pid = caseid * 10 + 1
            demo.append(demo_row(pid, caseid, 1, f"{quarter[:4]}0{int(quarter[-1]) * 3 - 1}15",
                                 age=str(caseid % 90 + 1), country=str(caseid)))
            drug.append(drug_row(pid, caseid, 1, "PS", name))
            reac.append(reac_row(pid, caseid, pt))
    return write_quarter(path, quarter, {"DEMO": demo, "DRUG": drug, "REAC": reac})


@pytest.fixture
def db_with_a_signal(tmp_path):
    """Run 1: LEMTRADA x PML a = 4 of 10 reports, against 2 PML reports in 200 aspirin reports (PRR 41)."""
    path = tmp_path / "pv.duckdb"
    con = duckdb.connect(str(path))
    ingest_path(con, _quarter(tmp_path / "faers_ascii_2019q1.zip", "2019Q1",
                              [(4, "LEMTRADA", "Progressive multifocal leukoencephalopathy"), (6, "LEMTRADA", "Nausea"),
                               (2, "ASPIRIN", "Progressive multifocal leukoencephalopathy"),
                               (198, "ASPIRIN", "Nausea")], 1000))
    cfg = PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["evans"], levels=["pt"], labels=[])
    run_id = runs.run_in_process(con, cfg)
    yield con, cfg, run_id, tmp_path / "pv.assessments.sqlite"
    con.close()


def _status(store, event=PML):
    rows = [r for r in assessments.read(store).to_pylist() if r["event"] == event]
    return rows[0]["status"] if rows else None


def test_the_audit_trail_is_append_only_and_says_who_when_what(tmp_path):
    store = tmp_path / "a.sqlite"
    assessments.assess(store, "pt", "ALEMTUZUMAB", PML, by="Ann", status="under validation",
                       rationale="4 cases", stats={"run_id": 1, "a": 4, "eb05": 3.1})
    changes = assessments.assess(store, "pt", "ALEMTUZUMAB", PML, by="Bob", status="refuted", rationale="4 cases")
    assert [(c.field, c.old, c.new) for c in changes] == [("status", "under validation", "refuted")]   # rationale same
    audit = assessments.read(store, "signal_assessment_audit").to_pylist()
    assert [(r["changed_by"], r["field"], r["old_value"], r["new_value"]) for r in audit] == [
        ("Ann", "status", None, "under validation"), ("Ann", "rationale", None, "4 cases"),
        ("Bob", "status", "under validation", "refuted")]
    assert audit[0]["a"] == 4 and audit[0]["eb05"] == 3.1 and audit[0]["changed_at"].endswith("+00:00")
    con = sqlite3.connect(store)
    for statement in ("update signal_assessment_audit set new_value = 'validated'",
                      "delete from signal_assessment_audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(statement)
    assert con.execute("select count(*) from signal_assessment_audit").fetchone()[0] == 3


@pytest.mark.parametrize("call, message", [
    (dict(status="closed"), "no assessment yet: the first one sets --status"),   # 'closed' needs an assessment first
    (dict(rationale="why"), "no assessment yet"),
    (dict(status="done"), "'done' is not a status"),
    (dict(status="new", next_review="next week"), "not a date written YYYY-MM-DD"),
    (dict(), "Nothing to record"),
])
def test_wrong_assessments_are_refused_in_a_sentence(tmp_path, call, message):
    with pytest.raises(PvError, match=message):
        assessments.assess(tmp_path / "a.sqlite", "pt", "ALEMTUZUMAB", PML, by="Ann", **call)
    with pytest.raises(PvError, match="--by NAME"):
        assessments.assess(tmp_path / "a.sqlite", "pt", "ALEMTUZUMAB", PML, by=" ", status="new")


def test_transitions_follow_the_workflow(tmp_path):
    store = tmp_path / "a.sqlite"
    assessments.assess(store, "pt", "D", "E", by="Ann", status="refuted")
    with pytest.raises(PvError, match="is 'refuted'; it can move to closed, under validation, not to 'validated'"):
        assessments.assess(store, "pt", "D", "E", by="Ann", status="validated")
    assessments.assess(store, "pt", "D", "E", by="Ann", status="under validation")
    assessments.assess(store, "pt", "D", "E", by="Ann", status="validated", next_review="2027-03-01")
    assert assessments.read(store).to_pylist()[0]["next_review_date"] == "2027-03-01"


def test_a_refuted_signal_carries_over_and_reopens_only_when_its_statistics_move(db_with_a_signal, tmp_path):
    con, cfg, run1, store = db_with_a_signal
    seen = assessments.pair_stats(con, "pt", "ALEMTUZUMAB", PML)
    assert seen["run_id"] == run1 and seen["a"] == 4
    assessments.assess(store, "pt", "ALEMTUZUMAB", PML, by="Ann", status="refuted", rationale="channelling",
                       stats=seen)
    # Q2 brings 4 more PML reports (a = 8: twice, not three times 4) and 10 non-PML ones: EB05 moves less than 2x
    ingest_path(con, _quarter(tmp_path / "faers_ascii_2019q2.zip", "2019Q2",
                              [(4, "LEMTRADA", "Progressive multifocal leukoencephalopathy"), (10, "LEMTRADA", "Nausea"),
                               (200, "ASPIRIN", "Nausea")], 5000))
    run2 = runs.run_in_process(con, cfg)
    a2, eb05_2 = con.execute("select a, eb05 from signal where run_id = $r and event = $e",
                             {"r": run2, "e": PML}).fetchone()
    assert a2 == 8 and eb05_2 < 2 * seen["eb05"]
    assert _status(store) == "refuted"                                      # carried over, not new again
    assert con.execute("select status from signal_assessment where event = $e", {"e": PML}).fetchone() == ("refuted",)
    # Q3: 6 more (a = 14 >= 3 x 4): reopened by pv, with the reason, in the audit trail
    ingest_path(con, _quarter(tmp_path / "faers_ascii_2019q3.zip", "2019Q3",
                              [(6, "LEMTRADA", "Progressive multifocal leukoencephalopathy"),
                               (100, "ASPIRIN", "Nausea")], 9000))
    run3 = runs.run_in_process(con, cfg)
    assert _status(store) == "new"
    last = assessments.read(store, "signal_assessment_audit").to_pylist()[-2:]
    assert [(r["changed_by"], r["field"], r["old_value"]) for r in last] == [
        ("pv", "status", "refuted"), ("pv", "rationale", "channelling")]
    assert last[0]["new_value"] == "new" and last[0]["run_id"] == run3
    assert last[1]["new_value"].startswith(f"reopened by run {run3}: a 4 -> 14, EB05 ")
    # the next run does not reopen it again: it is new, and the reopening saw a = 14
    runs.run_in_process(con, cfg)
    assert len(assessments.read(store, "signal_assessment_audit")) == 4


def test_an_assessment_is_written_while_a_nightly_run_holds_the_database(db_with_a_signal):
    con, cfg, run1, store = db_with_a_signal
    database = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    con.close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({database!r})\nprint('held', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = CliRunner().invoke(app, ["assess", "alemtuzumab", "Progressive multifocal leukoencephalopathy",
                                          "--status", "under validation", "--by", "Ann", "--db", database])
        assert result.exit_code == 0, result.output
        assert time.monotonic() - started < 10
        assert "recorded without statistics" in result.output and "catch up at the next run" in result.output
        assert _status(store) == "under validation"
    finally:
        holder.kill()
        holder.wait()
    con = duckdb.connect(database)
    runs.assessment_step(con, run1, cfg)                  # the next run mirrors the store
    assert con.execute("select status, assessor from signal_assessment").fetchall() == [("under validation", "Ann")]
    con.close()


def test_labelled_events_come_from_the_reference_safety_information(tmp_path):
    rows = labels.load(labels.default_paths())
    assert {"drug": "ALEMTUZUMAB", "kind": "subcategory", "name": "autoimmunity / thyroid"} .items() <= rows[0].items()
    bad = tmp_path / "bad.yaml"
    bad.write_text("drug: X\nsource: s\ndate: d\nevents:\n  - pts: Nausea\n", encoding="utf-8")
    with pytest.raises(PvError, match=r"bad.yaml: event 1 must name one of category, subcategory, pt"):
        labels.load([bad])


def test_the_demo_marks_labelled_signals_and_the_report_shows_assessments(demo_run, tmp_path):
    con, run_id = demo_run
    labelled = dict(con.execute("select event, label_source from signal_label where run_id = $r and level = 'pt'",
                                {"r": run_id}).fetchall())
    assert "BASEDOW'S DISEASE" in labelled and "INFUSION RELATED REACTION" in labelled
    # RCVS is not in the label (strokes are): it is the unlabelled signal that needs validation
    assert "REVERSIBLE CEREBRAL VASOCONSTRICTION SYNDROME" not in labelled
    from pv.report import build_report

    out = build_report(con, tmp_path / "r", run=run_id, drugs=["ALEMTUZUMAB"], formats=("csv", "html")).out_dir
    with open(out / "signals.csv", newline="", encoding="utf-8") as f:
        rows = {(r["level"], r["event"]): r for r in csv.DictReader(f)}
    rcvs = rows[("pt", "REVERSIBLE CEREBRAL VASOCONSTRICTION SYNDROME")]
    assert (rcvs["is_labelled"], rcvs["needs_validation"]) == ("False", "True")
    assert rows[("pt", "BASEDOW'S DISEASE")]["needs_validation"] == "False"
    assert "Signal management: ALEMTUZUMAB" in (out / "signal_report.html").read_text(encoding="utf-8")
