"""The workbench (`pv app`) through its HTTP interface: the signals list and its filters, a signal's page, the
assessment form (CSRF-protected, written to the audit trail), escaping, and the loopback-only rule. (The same flows
in a real browser are issue 13's next step.)"""

from __future__ import annotations

import re
import sqlite3

import duckdb
import pytest
from conftest import simple_quarter
from starlette.testclient import TestClient

from pv import accounts, runs
from pv.app import check_host, create_app
from pv.config import PvConfig
from pv.errors import PvError
from pv.ingest import ingest_path, ingest_report_csv
from pv.signals import assessments

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def workbench(tmp_path_factory):
    """A report-CSV database: 400 reports; a drug named like a script tag has a signal for EVENT1."""
    tmp = tmp_path_factory.mktemp("app")
    rows = ["report_id,drug,event,sex,age_years,received_date"]
    for i in range(1, 401):
        drug = SCRIPT if i % 10 == 0 else f"DRUG{i % 7}"
        event = "EVENT1" if i % 10 == 0 else f"EVENT{2 + i % 5}"
        rows.append(f"{i},{drug},{event},F,{20 + i % 60},2020-0{1 + i % 6}-15")
    (tmp / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    path = tmp / "pv.duckdb"
    con = duckdb.connect(str(path))
    ingest_report_csv(con, tmp / "r.csv", source_name="src")
    runs.run_in_process(con, PvConfig(drugs_of_interest=[SCRIPT.upper()], signal_criteria=["ror025"], labels=[]))
    con.close()
    store = tmp / "pv.assessments.sqlite"
    return TestClient(create_app(path, store)), store


def test_the_signals_list_filters_sorts_exports_and_escapes(workbench):
    client, _ = workbench
    page = client.get("/", params={"drug": SCRIPT, "level": "pt"})
    assert page.status_code == 200
    assert SCRIPT.upper() not in page.text and "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;" in page.text
    assert "EVENT1" in page.text and page.headers["x-frame-options"] == "DENY"
    assert "1 signal(s)" in page.text
    assert "0 signal(s)" in client.get("/", params={"drug": "DRUG3", "criterion": "eb05"}).text
    exported = client.get("/signals.csv", params={"drug": SCRIPT})
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines()[0].startswith("level,drug,event,a,")
    assert SCRIPT.upper() in exported.text


def test_a_signal_page_and_an_assessment_through_the_form(workbench):
    client, store = workbench
    key = {"level": "pt", "drug": SCRIPT.upper(), "event": "EVENT1"}
    page = client.get("/signal", params=key)
    assert page.status_code == 200 and "a = 40" in page.text and "No assessment recorded yet" in page.text
    assert "<script>" not in page.text.lower()
    token = client.cookies.get("pv_csrf")
    refused = client.post("/signal/assess", data={**key, "csrf": "forged", "status": "refuted", "assessor": "Eve"})
    assert refused.status_code == 403 and len(assessments.read(store)) == 0
    done = client.post("/signal/assess", data={**key, "csrf": token, "status": "under validation",
                                               "rationale": "40 reports", "assessor": "Ann <b>"})
    assert done.status_code == 200 and "2 change(s) recorded" in done.text
    assert "Ann &lt;b&gt;" in done.text                              # the history, escaped
    audit = assessments.read(store, "signal_assessment_audit").to_pylist()
    assert [(r["changed_by"], r["field"], r["new_value"], r["a"]) for r in audit] == [
        ("Ann <b>", "status", "under validation", 40), ("Ann <b>", "rationale", "40 reports", 40)]
    wrong = client.post("/signal/assess", data={**key, "csrf": token, "status": "closed", "assessor": "Ann"})
    assert "it can move to" in re.sub(r"\s+", " ", wrong.text)
    assert client.get("/signal", params={**key, "event": "NOPE"}).status_code == 404
    # a case of the listing has its own page: all its drugs and events, escaped
    case_id = re.search(r'href="/case\?id=([^"]+)"', page.text).group(1)
    case = client.get(f"/case?id={case_id}")
    assert case.status_code == 200 and "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;" in case.text and "EVENT1" in case.text
    assert client.get("/case", params={"id": "nope"}).status_code == 404


def test_runs_page_and_loopback_only_without_accounts(workbench, tmp_path):
    client, _ = workbench
    runs_page = client.get("/runs").text
    assert "Signal runs" in runs_page and "&#34;signal_criteria&#34;" in runs_page      # the run's configuration
    store = tmp_path / "s.sqlite"
    check_host("127.0.0.1", store)
    with pytest.raises(PvError, match="listens on 127.0.0.1 until user accounts exist"):
        check_host("0.0.0.0", store)
    accounts.add_user(store, "admin", "admin", "correct horse battery")
    check_host("0.0.0.0", store)


def test_passwords_are_hashed_with_scrypt_and_accounts_checked(tmp_path):
    store = tmp_path / "s.sqlite"
    accounts.add_user(store, "ann", "analyst", "a long passphrase")
    stored = sqlite3.connect(store).execute("select password_hash from workbench_user").fetchone()[0]
    assert stored.startswith("scrypt$32768$8$1$") and "passphrase" not in stored
    assert accounts.verify_password("a long passphrase", stored) and not accounts.verify_password("wrong", stored)
    for call, message in ((("bob", "viewer", "short"), "at least 12 characters"),
                          (("ann", "viewer", "another long one"), "exists already"),
                          (("carl", "boss", "another long one"), "'boss' is not a role"),
                          (("<x>", "viewer", "another long one"), "without < > & quotes")):
        with pytest.raises(PvError, match=message):
            accounts.add_user(store, *call)


def test_with_accounts_every_page_needs_a_session_and_a_viewer_cannot_assess(workbench, tmp_path):
    _, store = workbench
    app_store = tmp_path / "accounts.sqlite"
    database = store.parent / "pv.duckdb"
    client = TestClient(create_app(database, app_store))
    accounts.add_user(app_store, "vic", "viewer", "viewer passphrase")
    accounts.add_user(app_store, "ann", "analyst", "analyst passphrase")
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login"
    login = client.get("/login")
    token = client.cookies.get("pv_csrf")
    assert "Sign in" in login.text

    def sign_in(name, password):
        return client.post("/login", data={"csrf": token, "name": name, "password": password})

    assert "Wrong name or password" in sign_in("vic", "nope").text
    assert "vic (viewer)" in sign_in("vic", "viewer passphrase").text
    key = {"level": "pt", "drug": SCRIPT.upper(), "event": "EVENT1"}
    assert "an analyst records assessments" in client.get("/signal", params=key).text
    refused = client.post("/signal/assess", data={**key, "csrf": token, "status": "refuted"})
    assert refused.status_code == 403 and "Your role (viewer)" in refused.text
    client.post("/logout", data={"csrf": token})
    assert client.get("/", follow_redirects=False).status_code == 303          # the session is gone
    sign_in("ann", "analyst passphrase")
    done = client.post("/signal/assess", data={**key, "csrf": token, "status": "monitoring",
                                               "assessor": "someone else"})
    assert "1 change(s) recorded" in done.text
    audit = assessments.read(app_store, "signal_assessment_audit").to_pylist()
    assert [(r["changed_by"], r["new_value"]) for r in audit] == [("ann", "monitoring")]   # the signed-in user


def test_sign_in_is_rate_limited(workbench, tmp_path):
    store = tmp_path / "s.sqlite"
    accounts.add_user(store, "ann", "analyst", "analyst passphrase")
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(PvError, match="Wrong name or password"):
            accounts.sign_in(store, "ann", "guess", "10.0.0.9")
    with pytest.raises(PvError, match="Too many failed sign-ins"):
        accounts.sign_in(store, "ann", "analyst passphrase", "10.0.0.9")    # even the right password, for now
    assert accounts.session_user(store, "not a token") is None


def test_data_quality_and_a_runs_report_files_but_nothing_else(workbench, tmp_path):
    _, store = workbench
    database = store.parent / "pv.duckdb"
    reports = tmp_path / "reports" / "pv"
    (reports / "1").mkdir(parents=True)
    (reports / "1" / "signals.csv").write_text("level,drug\n", encoding="utf-8")
    (tmp_path / "reports" / "secret.txt").write_text("not for the web", encoding="utf-8")
    client = TestClient(create_app(database, tmp_path / "s.sqlite", reports_root=reports))
    faers = tmp_path / "faers.duckdb"           # report CSVs are not validated; a FAERS quarter is
    with duckdb.connect(str(faers)) as con:
        ingest_path(con, simple_quarter(tmp_path / "q.zip"))
    quality = TestClient(create_app(faers, tmp_path / "s.sqlite")).get("/quality")
    assert quality.status_code == 200 and "raw_demo" in quality.text and "failing of" in quality.text
    listing = client.get("/runs/1/files")
    assert 'href="/runs/1/files/signals.csv"' in listing.text
    assert client.get("/runs/1/files/signals.csv").text == "level,drug\n"
    for probe in ("/runs/1/files/..%2Fsecret.txt", "/runs/1/files/%2E%2E%2F%2E%2E%2Fsecret.txt",
                  "/runs/1/files/nothing.csv"):
        assert client.get(probe).status_code == 404, probe
    assert "No report folder for run 2" in client.get("/runs/2/files").text


def test_the_line_listing_reads_reports_by_row_and_survives_a_rebuilt_layer(tmp_path):
    """A signal's cases are read by row (analysis_case by case_key, then the case_report rows they were counted
    from); when those rows no longer hold them (a table rebuilt since, e.g. by a run that then failed), the listing
    falls back to reading by key and by case_id, and is the same."""
    from pv import db
    from pv.signals import review

    rows = ["report_id,drug,event,sex,age_years,received_date"]
    rows += [f"{i},{'DRUGX' if i % 3 == 0 else 'DRUGY'},{'EVENTA' if i % 2 else 'EVENTB'},F,40,2021-0{1 + i % 9}-01"
             for i in range(1, 301)]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    ingest_report_csv(con, tmp_path / "r.csv", source_name="src")
    runs.run_in_process(con, PvConfig(drugs_of_interest=["DRUGX"], signal_criteria=["ror025"], labels=[]))
    key = {"level": "pt", "drug": "DRUGX", "event": "EVENTA"}
    case_keys = db.query(con, "app/signal_case_keys", key)["case_key"].to_pylist()
    hinted = db.query(con, "app/analysis_cases_by_key", {"case_keys": case_keys})
    assert sorted(db.query(con, "app/analysis_cases_by_row", {"case_keys": case_keys})["case_id"].to_pylist()) == \
        sorted(hinted["case_id"].to_pylist())
    case_ids = hinted["case_id"].to_pylist()
    expected = db.query(con, "app/reports_by_case", {"case_ids": case_ids, "max_cases": 500}).to_pylist()
    assert len(expected) == 50 and expected == review._line_listing(con, key)
    by_row = db.query(con, "app/reports_by_row", {"rowids": hinted["report_rowid"].to_pylist(), "max_cases": 500})
    assert sorted(by_row["case_id"].to_pylist()) == sorted(r["case_id"] for r in expected)
    con.execute("create or replace table case_report as select * from case_report order by case_id desc")
    moved = db.query(con, "app/reports_by_row", {"rowids": hinted["report_rowid"].to_pylist(), "max_cases": 500})
    assert sorted(moved["case_id"].to_pylist()) != sorted(r["case_id"] for r in expected)    # the rows moved
    assert review._line_listing(con, key) == expected
    # analysis_case no longer in case_key order: its rows are read by key instead, with the same listing
    con.execute("create or replace table analysis_case as select * from analysis_case order by case_key desc")
    assert sorted(db.query(con, "app/analysis_cases_by_row", {"case_keys": case_keys})["case_id"].to_pylist()) != \
        sorted(case_ids)
    assert review._line_listing(con, key) == expected
    con.close()
