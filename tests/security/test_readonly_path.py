"""Issue 16, item 4: the analysts' path (`pv query`, `pv shell`) writes nothing: every escape route is closed."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest


def pv(*args, cwd=None, stdin=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if k != "PV_DB"}
    return subprocess.run([sys.executable, "-m", "pv.cli", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          input=stdin, timeout=timeout)


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "pv.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table case_report as select range as case_id from range(10)")
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("create table victim as select range as x from range(5)")
    return path


def rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


ESCAPES = {
    "attach another database read-write": "attach '{dir}/other.duckdb' as o (read_write); ",
    "attach through a hard link": "attach '{dir}/link.duckdb' as l (read_write)",
    "copy a table to a file": "copy case_report to '{dir}/leak.csv'",
    "copy a query to parquet": "copy (select 1) to '{dir}/leak.parquet'",
    "export the database": "export database '{dir}/exported'",
    "install an extension": "install sqlite",
    "load an extension": "load sqlite",
    "turn file access back on": "set enable_external_access = true",
    "read any file": "select * from read_csv('/etc/passwd')",
    "read text of any file": "select * from read_text('/etc/hostname')",
    "list files": "select * from glob('/etc/*')",
    "delete rows": "delete from case_report",
    "drop a table": "drop table case_report",
    "create a table": "create table x as select 1",
    "change the profiling output file": "pragma profiling_output = '{dir}/prof.json'",
}


@pytest.mark.parametrize("name", list(ESCAPES))
def test_pv_query_refuses_every_escape_route(database, tmp_path, name):
    os.link(tmp_path / "pv.duckdb", tmp_path / "link.duckdb")
    sql = ESCAPES[name].format(dir=tmp_path)
    r = pv("query", sql, "--db", str(database))
    assert r.returncode == 1, (name, r.stdout, r.stderr)
    assert "error:" in r.stderr and "Traceback" not in r.stderr
    # nothing was written or changed
    assert rows(database, "select count(*) from case_report") == [(10,)]
    assert rows(tmp_path / "other.duckdb", "select count(*) from victim") == [(5,)]
    leaked = {"leak.csv", "leak.parquet", "exported", "prof.json"} & set(os.listdir(tmp_path))
    assert not leaked


def test_pv_shell_is_locked_down_the_same_way(database, tmp_path):
    script = (f"copy case_report to '{tmp_path}/leak.csv';\n"
              f"attach '{tmp_path}/other.duckdb' as o (read_write);\n"
              "delete from case_report;\n"
              "select count(*) as n from case_report;\n.quit\n")
    r = pv("shell", "--db", str(database), stdin=script)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("error:") == 3
    assert "10" in r.stdout                       # the select still answers
    assert not (tmp_path / "leak.csv").exists()
    assert rows(database, "select count(*) from case_report") == [(10,)]
    assert rows(tmp_path / "other.duckdb", "select count(*) from victim") == [(5,)]


def test_pv_query_still_answers_and_exports_what_is_asked(database, tmp_path):
    r = pv("query", "select count(*) as n from case_report", "--db", str(database))
    assert r.returncode == 0 and "10" in r.stdout
    out = tmp_path / "n.csv"
    r = pv("query", "select case_id from case_report order by 1", "--db", str(database), "--format", "csv",
           "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_text().splitlines()[:3] == ['"case_id"', "0", "1"]
