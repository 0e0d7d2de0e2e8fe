"""The command line: --db / PV_DB, summaries, one-sentence errors."""

from __future__ import annotations

import subprocess
import sys

import duckdb
from conftest import AERS_2004Q1, FAERS_2017Q2


def pv(*args, env=None, cwd=None):
    import os

    full_env = {**os.environ, **(env or {})}
    full_env.pop("PV_DB", None) if env is None or "PV_DB" not in env else None
    return subprocess.run([sys.executable, "-m", "pv.cli", *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd, timeout=300)


def test_ingest_status_and_standardize_with_db_option(tmp_path):
    db = tmp_path / "x.duckdb"
    r = pv("ingest", str(FAERS_2017Q2), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "2017Q2" in r.stdout and "loaded" in r.stdout
    r = pv("standardize", "--db", str(db))
    said = " ".join(r.stdout.split())   # rich wraps lines at the terminal width
    assert r.returncode == 0 and "100 cases" in said and "full: rebuilt every case; first build" in said
    r = pv("ingest", str(AERS_2004Q1), "--db", str(db))
    assert "2004Q1" in r.stdout and "loaded" in r.stdout
    r = pv("status", "--db", str(db))
    assert "behind the raw layer (1 new load(s)): run `pv standardize`" in " ".join(r.stdout.split())
    r = pv("standardize", "--db", str(db))
    said = " ".join(r.stdout.split())
    assert r.returncode == 0 and "200 cases" in said and "incremental: rebuilt 100 case(s)" in said
    r = pv("status", "--db", str(db), "--unmapped", "3")
    assert "behind the raw layer" not in r.stdout
    assert r.returncode == 0
    assert "Cases 200" in r.stdout and "Quarantined rows: 0" in r.stdout
    again = pv("ingest", str(FAERS_2017Q2), "--db", str(db))
    assert "skipped" in again.stdout and "already loaded" in again.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from case_report").fetchall() == [(200,)]


def test_pv_db_environment_variable(tmp_path):
    db = tmp_path / "env.duckdb"
    r = pv("ingest", str(AERS_2004Q1), env={"PV_DB": str(db)}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert db.exists() and not (tmp_path / "pv.duckdb").exists()


def test_default_db_is_pv_duckdb_in_the_working_folder(tmp_path):
    r = pv("ingest", str(AERS_2004Q1), cwd=tmp_path, env={})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "pv.duckdb").exists()


def test_errors_are_one_sentence_not_a_traceback(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 nothing more")
    r = pv("ingest", str(tmp_path / "broken.zip"), "--db", str(tmp_path / "e.duckdb"))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error:") and "broken.zip" in r.stderr
    r = pv("status", "--db", str(tmp_path / "missing.duckdb"))
    assert r.returncode == 1 and "No database at" in r.stderr


def test_run_ingests_the_inbox_and_prints_a_summary(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / FAERS_2017Q2.name).write_bytes(FAERS_2017Q2.read_bytes())
    r = pv("run", "--inbox", str(inbox), "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Cases 100" in r.stdout and "2017Q2: loaded" in r.stdout and "Run 1" in r.stdout
    assert (tmp_path / "reports" / "r" / "1" / "run_signals.csv").exists()   # reports/<database name>/<run>/
    r = pv("run", "--inbox", str(inbox), "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert r.returncode == 0 and "No new quarter in the inbox." in r.stdout and "Run 2" in r.stdout
    r = pv("status", "--db", str(tmp_path / "r.duckdb"))
    assert "Last run 2: completed" in r.stdout


def test_synth_writes_sample_quarters(tmp_path):
    r = pv("synth", "--out", str(tmp_path / "s"), "--reports", "600", "--quarters", "2")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["faers_ascii_2019q1.zip", "faers_ascii_2019q2.zip"]


def test_score_with_a_scope_says_it_and_refuses_a_bad_one(tmp_path):
    from pv import standardize
    from pv.ingest import ingest_path

    db = str(tmp_path / "s.duckdb")
    with duckdb.connect(db) as con:
        ingest_path(con, FAERS_2017Q2)
        standardize.build(con)
    r = pv("score", "--db", db, "--received-from", "2017-01-32x")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "received_from" in r.stderr and "YYYY-MM-DD" in " ".join(r.stderr.split())
    r = pv("score", "--db", db, "--serious-only", "--reporters", "hcp", "--no-study-literature")
    said = " ".join(r.stdout.split())
    assert r.returncode == 0, r.stderr
    assert "Scope (comparison population): serious_only = True; reporters = hcp; exclude_report_sources = ['SDY', 'LIT']" in said
    with duckdb.connect(db, read_only=True) as con:
        n_scored = con.execute("select n_reports from score_run order by run_id desc limit 1").fetchone()[0]
        n_serious_hcp = con.execute(
            "select count(*) from case_report where is_serious and reporter_occupation in ('MD', 'PH', 'OT', 'HP') "
            "and not list_has_any(report_sources, ['SDY', 'LIT']) and case_id in (select case_id from case_drug "
            "where role in ('PS', 'SS', 'I')) and case_id in (select case_id from case_event) "
            "and case_id not in (select case_id from case_duplicate where not is_retained)").fetchone()[0]
    assert 0 < n_scored == n_serious_hcp


def test_openfda_sample_to_score(tmp_path):
    from conftest import FIXTURES

    db = str(tmp_path / "o.duckdb")
    r = pv("ingest", str(FIXTURES / "openfda" / "drug-event-sample.json"), "--db", db)
    assert r.returncode == 0, r.stderr
    assert "27 reports" in " ".join(r.stdout.split())
    r = pv("score", "--db", db)
    assert r.returncode == 0, r.stderr
    assert "27 reports" in r.stdout
    con = duckdb.connect(db, read_only=True)
    # THALOMID's reports carry THALIDOMIDE as their active substance: the pair is counted on the ingredient
    assert con.execute("select a from drug_event_counts where level = 'pt' and drug = 'THALIDOMIDE' "
                       "and event = 'FULL BLOOD COUNT DECREASED'").fetchone()[0] >= 1
    con.close()


def test_ingest_tells_the_format_from_the_files(tmp_path):
    from conftest import FIXTURES

    from pv.cli.data import _path_format

    assert _path_format(FIXTURES / "e2b_r3") == "e2b"                 # a README beside the XML is fine
    assert _path_format(FIXTURES / "openfda" / "drug-event-sample.json") == "openfda"
    assert _path_format(FAERS_2017Q2) == "faers"
    assert _path_format(FIXTURES / "caers" / "caers_report_rows.csv") == "csv"
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.json").write_text("{}")
    (mixed / "b.xml").write_text("<x/>")
    assert _path_format(mixed) == "mixed openFDA and E2B"
    r = pv("ingest", str(mixed), "--db", str(tmp_path / "m.duckdb"))
    assert r.returncode != 0 and "several kinds of files" in " ".join(r.stdout.split() + r.stderr.split())
