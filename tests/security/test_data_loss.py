"""Issue 16, items 1-3, 6 and 15: nothing is lost or mixed up without being asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import FAERS_2017Q2, simple_quarter

from pv import runs, synth
from pv.config import PvConfig
from pv.errors import InputRefused, PvError
from pv.ingest import ingest_path, ingest_report_csv
from pv.ingest.loads import list_loads, unload
from pv.report import build_report

ROOT = Path(__file__).resolve().parents[2]


def pv(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "PV_DB"}
    env["COLUMNS"] = "160"
    return subprocess.run([sys.executable, "-m", "pv.cli", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


def csv_file(path: Path, first_id: int, n: int, rows_per_report: int = 1) -> Path:
    lines = ["report_id,drug,event"]
    for i in range(first_id, first_id + n):
        lines += [f"{i},DRUG{k},Nausea" for k in range(rows_per_report)]
    path.write_text("\n".join(lines) + "\n")
    return path


def raw_rows(con) -> int:
    return con.execute("select count(*) from raw_report_csv").fetchall()[0][0]


def test_a_second_report_csv_never_deletes_the_first(con, tmp_path):
    a = ingest_report_csv(con, csv_file(tmp_path / "a.csv", 1, 1000))
    b = ingest_report_csv(con, csv_file(tmp_path / "b.csv", 5000, 1000))
    assert (a.status, b.status) == ("loaded", "loaded")
    assert raw_rows(con) == 2000
    # the same source name twice: added beside, and said so
    c = ingest_report_csv(con, csv_file(tmp_path / "c.csv", 9000, 10), source_name="a")
    assert raw_rows(con) == 2010 and "added to source 'a' beside load(s) 1" in c.message


def test_replace_is_explicit_and_says_what_it_replaced(con, tmp_path):
    first = ingest_report_csv(con, csv_file(tmp_path / "db.csv", 1, 100), source_name="company")
    again = ingest_report_csv(con, csv_file(tmp_path / "db_v2.csv", 1, 40), source_name="company", replace=True)
    assert again.status == "replaced" and f"replaced load {first.load_id} (db.csv)" in again.message
    assert raw_rows(con) == 40
    assert con.execute("select status, superseded_by from ingest_log where load_id = $i",
                       {"i": first.load_id}).fetchall() == [("superseded", again.load_id)]


def test_loads_are_listed_and_removed_with_a_record(con, tmp_path):
    simple_quarter(tmp_path / "q.zip", cases=((1, 1), (2, 1)))
    ingest_path(con, tmp_path / "q.zip")
    csv_load = ingest_report_csv(con, csv_file(tmp_path / "r.csv", 1, 5, rows_per_report=3))
    listed = {r["load_id"]: r for r in list_loads(con)}
    assert listed[csv_load.load_id]["n_reports"] == 5          # reports, not its 15 rows (item 15)
    assert listed[1]["what"] == "2019Q1" and listed[1]["n_reports"] == 2
    with pytest.raises(PvError, match="Say who removes the load and why"):
        unload(con, 1, "", "")
    done = unload(con, 1, "steward", "wrong quarter")
    assert done["rows_removed"] > 0
    assert con.execute("select count(*) from raw_demo").fetchall() == [(0,)]
    assert con.execute("select status, unloaded_by, unload_reason from ingest_log where load_id = 1").fetchall() == [
        ("unloaded", "steward", "wrong quarter")]
    assert [r["load_id"] for r in list_loads(con)] == [csv_load.load_id]
    assert {r["load_id"] for r in list_loads(con, include_removed=True)} == {1, csv_load.load_id}
    with pytest.raises(PvError, match="is unloaded, not in force"):
        unload(con, 1, "steward", "again")


def test_pv_loads_and_unload_on_the_command_line(tmp_path):
    db = tmp_path / "x.duckdb"
    assert pv("ingest", "--format", "csv", str(csv_file(tmp_path / "a.csv", 1, 3)), "--db", str(db)).returncode == 0
    r = pv("loads", "--db", str(db))
    line = next(x for x in r.stdout.splitlines() if "report_csv" in x)
    assert r.returncode == 0 and line.split()[0] == "1" and "a.csv" in line
    r = pv("unload", "1", "--by", "me", "--reason", "test", "--db", str(db))
    assert r.returncode == 0 and "Removed load 1" in r.stdout
    assert "No load in force" in pv("loads", "--db", str(db)).stdout


def test_synthetic_data_is_marked_and_never_mixed_unless_asked(con, tmp_path):
    (zip_path,) = synth.write_quarters(tmp_path, 300, 1, start="2019Q1", seed=3)
    ingest_path(con, zip_path)
    assert con.execute("select is_synthetic from ingest_log").fetchall() == [(True,)]
    with pytest.raises(InputRefused, match="holds real reports, and this database holds 1 load"):
        ingest_path(con, FAERS_2017Q2)
    with pytest.raises(InputRefused, match="holds real reports"):
        ingest_report_csv(con, csv_file(tmp_path / "a.csv", 1, 3))
    ingest_path(con, FAERS_2017Q2, mix_synthetic=True)        # asked for
    assert con.execute("select count(*) from ingest_log where status = 'loaded'").fetchall() == [(2,)]


def test_synthetic_data_is_refused_into_a_real_database(con, tmp_path):
    ingest_path(con, FAERS_2017Q2)
    (zip_path,) = synth.write_quarters(tmp_path, 300, 1, start="2019Q1", seed=3)
    with pytest.raises(InputRefused, match="synthetic demonstration data .* holds 1 load"):
        ingest_path(con, zip_path)


def test_pv_run_without_inbox_refuses_to_add_the_sample_to_real_data(tmp_path):
    db = tmp_path / "real.duckdb"
    with duckdb.connect(str(db)) as con:
        ingest_path(con, FAERS_2017Q2)
    r = pv("run", "--db", str(db), cwd=tmp_path)
    assert r.returncode == 1 and "holds 1 load(s) of real reports" in " ".join(r.stderr.split())
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from ingest_log").fetchall() == [(1,)]


def test_synth_batches_from_other_start_quarters_do_not_share_caseids():
    assert synth.default_first_caseid("2019Q1") == 10_000_000
    assert synth.default_first_caseid("2021Q1") == 90_000_000


@pytest.fixture
def completed_run(tmp_path):
    def make(name: str) -> Path:
        db = tmp_path / name / "pv.duckdb"
        db.parent.mkdir()
        simple_quarter(tmp_path / name / "q.zip", cases=[(i, 1) for i in range(1, 40)], pts=("Nausea",))
        with duckdb.connect(str(db)) as con:
            ingest_path(con, tmp_path / name / "q.zip")
            runs.run_in_process(con, PvConfig(drugs_of_interest=["ALEMTUZUMAB"], report_formats=["csv"]))
        return db
    return make


def test_reports_of_two_databases_never_overwrite_each_other(completed_run, tmp_path):
    first, second = completed_run("one"), completed_run("two")
    cfg = PvConfig(reports_dir=str(tmp_path / "reports"))
    assert runs.run_report_dir(cfg, first, 1) != runs.run_report_dir(cfg, tmp_path / "x" / "other.duckdb", 1)
    out = tmp_path / "shared"
    with duckdb.connect(str(first), read_only=True) as con:
        build_report(con, out, run=1, formats=("csv",))
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["database"]["path"] == str(first.resolve()) and manifest["database"]["database_id"]
        build_report(con, out, run=1, formats=("csv",))          # the same report again: replaced
    before = (out / "manifest.json").read_text()
    with duckdb.connect(str(second), read_only=True) as con, pytest.raises(PvError, match="does not overwrite"):
        build_report(con, out, run=1, formats=("csv",))
    assert (out / "manifest.json").read_text() == before


def test_a_report_killed_half_way_leaves_no_report_and_no_completed_run(completed_run, monkeypatch, tmp_path):
    db = completed_run("k")
    cfg = PvConfig(drugs_of_interest=["ALEMTUZUMAB"], report_formats=["csv"])
    out = tmp_path / "reports" / "2"
    with duckdb.connect(str(db)) as con:
        run_id = runs.start_run(con, cfg)
        score_run = con.execute("select max(run_id) from score_run").fetchall()[0][0]
        runs.record_signals(con, run_id, score_run, cfg)
        runs.complete_run(con, run_id, score_run, report_pending=True)
        assert con.execute("select status from signal_run where run_id = $i", {"i": run_id}).fetchall() == [
            ("reporting",)]

        def killed(*args, **kwargs):
            raise KeyboardInterrupt
        monkeypatch.setattr("pv.report.build_report", killed)
        with pytest.raises(KeyboardInterrupt):
            runs.write_run_report(con, run_id, out, cfg)
        assert not out.exists() and not list(out.parent.glob(".*partial*"))
        runs.start_run(con, cfg)                                   # the next run
        status, error = con.execute("select status, error from signal_run where run_id = $i", {"i": run_id}).fetchall()[0]
    assert status == "failed" and "interrupted while writing its report" in error
