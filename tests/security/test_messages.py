"""Issue 16, items 7-10 and 'Messages': a person reads a sentence that says what happened and what to do."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest
from conftest import DEMO_HEADER, FAERS_2017Q2, demo_row, drug_row, reac_row, simple_quarter, write_quarter

from pv.cli import explain
from pv.config import load_config
from pv.errors import InputRefused, PvError
from pv.ingest import ingest_path, ingest_report_csv
from pv.report.render import describe_sources


def pv(*args, cwd=None, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "PV_DB"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "pv.cli", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


def said(r) -> str:
    return " ".join((r.stdout + r.stderr).split())


def test_a_config_string_where_a_list_belongs_is_refused(tmp_path):
    path = tmp_path / "pv.toml"
    path.write_text('drugs_of_interest = "ALEMTUZUMAB"\n')
    with pytest.raises(PvError, match=r'drugs_of_interest must be a valid list, got \'ALEMTUZUMAB\' \(e.g. '
                                      r'drugs_of_interest = \["ALEMTUZUMAB"\]\)'):
        load_config(path)
    path.write_text('report_formats = "pdf"\nstratified = "yes"\n')
    with pytest.raises(PvError, match="stratified must be a valid boolean, got 'yes'; report_formats must be a valid list"):
        load_config(path)


def test_a_demo_file_without_sex_loads_with_a_warning_naming_the_column(con, tmp_path):
    header = DEMO_HEADER.replace("$sex", "")
    line = demo_row(11, 1, 1)
    fields = line.split("$")
    del fields[DEMO_HEADER.split("$").index("sex")]
    zip_path = write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": ["$".join(fields)], "DRUG": [drug_row(11, 1, 1, "PS", "X")],
                                                            "REAC": [reac_row(11, 1, "Nausea")]}, headers={"DEMO": header})
    (result,) = ingest_path(con, zip_path)
    assert result.warnings == ["q.zip/ASCII/DEMO19Q1.txt has no sex column: every DEMO row of 2019Q1 has sex unknown."]
    assert "has no sex column" in con.execute("select warnings from ingest_log").fetchall()[0][0]


def test_a_demo_file_without_caseid_is_a_missing_column(con, tmp_path):
    header = DEMO_HEADER.replace("$caseid", "")
    with pytest.raises(InputRefused, match="the header has no caseid column"):
        ingest_path(con, write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": [], "DRUG": [], "REAC": []},
                                       headers={"DEMO": header}))


def test_report_csv_bad_encoding_duplicate_header_long_and_nul_values(con, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"report_id,drug,event\n1,A,Nausea\n2,CAF\xc9,Nausea\n")
    with pytest.raises(InputRefused, match=r"latin.csv: line 3 is not UTF-8 \(byte 0xc9\); re-save the file as UTF-8"):
        ingest_report_csv(con, latin)
    dup = tmp_path / "dup.csv"
    dup.write_text("report_id,drug,event,Drug\n1,A,B,C\n")
    with pytest.raises(InputRefused, match="the header names 'drug' more than once"):
        ingest_report_csv(con, dup)
    big = tmp_path / "big.csv"
    big.write_bytes(b"report_id,drug,event\n1,A,Nausea\n2," + b"X" * 10_000_000 + b",Nausea\n3,NUL\x00DRUG,Nausea\n")
    result = ingest_report_csv(con, big)
    assert result.n_quarantined == 2
    reasons = [r[0] for r in con.execute("select reason from quarantine order by line_no").fetchall()]
    assert reasons == ["drug is 10,000,000 characters long (limit 500)", "drug holds a NUL byte"]
    assert con.execute("select drug from raw_report_csv").fetchall() == [("A",)]


def test_a_sqlite_file_is_not_a_pv_database(tmp_path):
    import sqlite3

    path = tmp_path / "x.db"
    sqlite3.connect(path).execute("create table t (x)").connection.commit()
    r = pv("status", "--db", str(path))
    assert r.returncode == 1 and "is not a pv database (a SQLite file)" in said(r)


def test_a_mistyped_db_is_not_created_by_commands_that_bring_no_data(tmp_path):
    for command in (["status"], ["standardize"], ["score"], ["query", "select 1"], ["loads"], ["validate"]):
        r = pv(*command, "--db", str(tmp_path / "typo.duckdb"))
        assert r.returncode == 1 and "No database at" in said(r), command
    assert not (tmp_path / "typo.duckdb").exists()
    for args in (["ingest", str(tmp_path / "typo.zip")], ["ingest", "--format", "csv", str(tmp_path / "typo.csv")]):
        r = pv(*args, "--db", str(tmp_path / "new.duckdb"))      # a mistyped input creates no database either
        assert r.returncode == 1 and "typo" in said(r), args
    assert not (tmp_path / "new.duckdb").exists()


def test_a_mistyped_inbox_is_refused_before_prefect_starts(tmp_path):
    t0 = time.monotonic()
    r = pv("run", "--inbox", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb"), cwd=tmp_path)
    assert r.returncode == 1 and "is not a folder" in said(r)
    assert time.monotonic() - t0 < 15


def test_a_read_only_folder_is_refused_before_any_work(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        if os.access(folder, os.W_OK):       # asked first: the ingest below is the slow part
            pytest.skip("running as a user who can write anywhere (root)")
        os.chmod(folder, 0o755)
        with duckdb.connect(str(folder / "x.duckdb")) as con:
            ingest_path(con, FAERS_2017Q2)
        os.chmod(folder, 0o555)
        r = pv("standardize", "--db", str(folder / "x.duckdb"))
        assert r.returncode == 1 and "its folder or the file is read-only" in said(r)
    finally:
        os.chmod(folder, 0o755)


def test_read_only_folder_check_without_root(tmp_path, monkeypatch):
    from pv import db

    path = tmp_path / "x.duckdb"
    duckdb.connect(str(path)).close()
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK)
    with pytest.raises(PvError, match="its folder or the file is read-only .* writes a .wal file"):
        db.connect(path)
    db.connect(path, read_only=True).close()          # reading still works


def test_unexpected_errors_are_sentences():
    full = OSError(errno.ENOSPC, "No space left on device", "/data/pv.duckdb.wal")
    assert explain(full).startswith("the disk is full (/data/pv.duckdb.wal). Free some space")
    assert explain(duckdb.IOException("Could not write file: No space left on device")).startswith("the disk is full")
    assert "permission denied on /x" in explain(PermissionError(errno.EACCES, "Permission denied", "/x"))
    assert "File exists: /out" in explain(FileExistsError(errno.EEXIST, "File exists", "/out"))


def test_report_run_id_and_out_are_checked(tmp_path):
    from pv import runs
    from pv.report import check_target, resolve_run

    con = duckdb.connect()
    runs.ensure_schema(con)
    with pytest.raises(PvError, match="--run takes 'latest' or a run id \\(a whole number\\), not 'abc'"):
        resolve_run(con, "abc")
    database = {"path": "/x/pv.duckdb", "database_id": "id-1", "created_at": None}
    (tmp_path / "file").write_text("x")
    with pytest.raises(PvError, match="is a file; the report needs a folder"):
        check_target(tmp_path / "file", database, 1)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("x")
    with pytest.raises(PvError, match="already holds files that are not a pv report"):
        check_target(tmp_path / "notes", database, 1)
    check_target(tmp_path / "new", database, 1)          # a new folder is fine


def test_describe_sources_names_each_source_as_loaded():
    inputs = pd.DataFrame({
        "format": ["faers_ascii", "faers_ascii", "report_csv", "faers_ascii"],
        "quarter": ["2019Q1", "2019Q2", None, "2024Q1"], "source_name": [None, None, "caers", None],
        "n_reports": [10, 20, 3356, 5], "is_synthetic": [True, True, False, False]})
    lines = describe_sources(inputs)
    assert lines == [
        "US FDA FAERS quarterly ASCII files, 2024Q1 (1 file(s), 5 reports)",
        "SYNTHETIC demonstration data written by pv synth in the layout of the US FDA FAERS quarterly ASCII files, "
        "2019Q1 to 2019Q2 (2 file(s), 30 reports); not FDA data",
        "report-level CSV, source 'caers' (1 file(s), 3,356 reports)",
    ]


def test_help_shows_no_type_beside_flags():
    r = pv("standardize", "--help", env_extra={"COLUMNS": "120"})
    assert r.returncode == 0 and "--full" in r.stdout and "<bool>" not in r.stdout


def test_score_brings_the_standardized_layer_up_to_date_itself(tmp_path):
    db = tmp_path / "pv.duckdb"
    simple_quarter(tmp_path / "q.zip", cases=[(i, 1) for i in range(1, 30)])
    with duckdb.connect(str(db)) as con:
        ingest_path(con, tmp_path / "q.zip")
    r = pv("score", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "brought it up to date first (full build, 29 case(s)" in said(r)
    assert "overflow" not in r.stderr and "RuntimeWarning" not in r.stderr


def test_status_counts_reports_of_a_csv_not_its_rows(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("report_id,drug,event\n" + "".join(f"{i},D{k},E{k}\n" for i in range(3) for k in range(4)))
    db = tmp_path / "pv.duckdb"
    assert pv("ingest", "--format", "csv", str(path), "--db", str(db)).returncode == 0
    r = pv("status", "--db", str(db))
    row = next(line for line in r.stdout.splitlines() if "(csv)" in line)
    assert row.replace("│", " ").split()[2] == "3", row


def test_usage_errors_are_the_command_lines_own_message():
    r = pv("nosuch")
    assert r.returncode == 2 and "No such command 'nosuch'" in r.stderr and "unexpected" not in r.stderr


def test_a_database_of_an_earlier_version_is_explained_and_upgraded(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("report_id,drug,event\n" + "".join(f"{i},D{k},E{k}\n" for i in range(3) for k in range(4)))
    db = tmp_path / "pv.duckdb"
    assert pv("ingest", "--format", "csv", str(path), "--db", str(db)).returncode == 0
    with duckdb.connect(str(db)) as con:        # as an earlier pv left it: no n_reports column
        con.execute("alter table ingest_log drop column n_reports")
    r = pv("status", "--db", str(db))
    assert r.returncode == 1 and "written by an earlier version of pv; run `pv standardize` once" in said(r)
    assert pv("standardize", "--db", str(db)).returncode == 0
    with duckdb.connect(str(db), read_only=True) as con:    # the upgrade counted the CSV's reports, not rows
        assert con.execute("select n_reports from ingest_log").fetchall() == [(3,)]
    assert pv("status", "--db", str(db)).returncode == 0
