"""Validation with Great Expectations: suites, quarantine, refusal, results, release, the data-quality page."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import AERS_2004Q1, FAERS_2017Q2, count, demo_row, drug_row, outc_row, reac_row, write_quarter

from pv import standardize
from pv import validate as pv_validate
from pv.errors import InputRefused, PvError
from pv.ingest import ingest_path


def good_rows(n, start=1):
    demo, drug, reac = [], [], []
    for caseid in range(start, start + n):
        pid = caseid * 10 + 1
        demo.append(demo_row(pid, caseid, 1))
        drug.append(drug_row(pid, caseid, 1, "PS", "LEMTRADA"))
        reac.append(reac_row(pid, caseid, "Rash"))
    return demo, drug, reac


def held(con):
    return con.execute("select table_name, line_no, check_name from quarantine where stage = 'validate' "
                       "order by table_name, line_no, check_name").fetchall()


def test_real_excerpts_pass_with_no_critical_failure(con):
    for path in (FAERS_2017Q2, AERS_2004Q1):
        (result,) = ingest_path(con, path)
        assert result.n_quarantined == 0
    failed = con.execute("select suite, expectation from validation_result where not success and severity = 'critical'"
                         ).fetchall()
    assert failed == []
    # every expectation of every raw suite ran on each load and was stored with GX's full result
    n_expectations = sum(len(pv_validate.load_suite(s)["expectations"]) for s in pv_validate.RAW_SUITES)
    assert count(con, "validation_result") == 2 * n_expectations
    result_json = json.loads(con.execute("select result_json from validation_result limit 1").fetchall()[0][0])
    assert "expectation_config" in result_json and "result" in result_json


def test_bad_rows_are_quarantined_with_the_expectation_and_values(con, tmp_path):
    demo, drug, reac = good_rows(60)
    demo += [demo_row(9991, 999, 1), demo_row(9991, 998, 1)]           # lines 62, 63: duplicate primaryid
    demo += [demo_row(9971, 997, 1, fda_dt="20191340")]                 # line 64: not a date
    demo += [demo_row(9961, 996, 1, fda_dt="20990101")]                 # line 65: received in the future
    demo += [demo_row(9951, 995, 1, age="999")]                         # line 66: implausible age (warning)
    drug += [drug_row(123456, 12345, 1, "PS", "ORPHAN")]                 # line 62: no DEMO row
    drug += [drug_row(11, 1, 2, "XX", "ASPIRIN")]                        # line 63: unknown role
    outc = [outc_row(11, 1, "HO"), outc_row(21, 2, "ZZ")]                # line 3: unknown outcome
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac, "OUTC": outc})
    (result,) = ingest_path(con, path)
    assert result.status == "loaded"
    assert held(con) == [
        ("raw_demo", 62, "expect_column_values_to_be_unique(primaryid)"),
        ("raw_demo", 63, "expect_column_values_to_be_unique(primaryid)"),
        ("raw_demo", 64, "expect_column_values_to_be_in_set(fda_dt_is_valid)"),
        ("raw_demo", 65, "expect_column_values_to_be_in_set(fda_dt_in_future)"),
        ("raw_drug", 62, "expect_column_values_to_be_in_set(has_demo_row)"),
        ("raw_drug", 63, "expect_column_values_to_be_in_set(role_cod)"),
        ("raw_outc", 3, "expect_column_values_to_be_in_set(outc_cod)"),
    ]
    assert result.n_quarantined == 7
    values = dict(con.execute("select check_name, offending_values from quarantine where table_name = 'raw_drug'"
                              ).fetchall())
    assert json.loads(values["expect_column_values_to_be_in_set(role_cod)"]) == {"role_cod": "XX"}
    # the warning let the row through and was counted
    age = con.execute("select success, unexpected_count, sample_values from validation_result "
                      "where expectation = 'expect_column_values_to_be_between(age_in_years)'").fetchall()
    assert age == [(False, 1, "[999.0]")]
    # held rows never reach the standardized layer; the implausible age does, as unknown
    standardize.build(con)
    cases = {r[0] for r in con.execute("select case_id from case_report").fetchall()}
    assert {"999", "998", "997", "996"}.isdisjoint(cases) and "995" in cases
    assert con.execute("select age_years from case_report where case_id = '995'").fetchall() == [(None,)]
    assert con.execute("select count(*) from case_drug where role = 'XX' or drug_name_reported = 'ORPHAN'"
                       ).fetchall() == [(0,)]
    assert con.execute("select outcomes from case_report where case_id = '2'").fetchall() == [([],)]


def test_column_batches_give_what_one_batch_of_the_whole_frame_gives(con, tmp_path):
    """Each column's expectations run on a batch of that column and the row key: every outcome (success, counts,
    samples, failing lines and values, GX's result JSON) is what GX gives for the whole suite on the whole frame,
    in the suite's order."""
    from pv.validate import suites

    demo, drug, reac = good_rows(40)
    demo += [demo_row(9991, 999, 1), demo_row(9991, 998, 1), demo_row(9971, 997, 1, fda_dt="20191340"),
             demo_row(9951, 995, 1, age="999")]
    drug += [drug_row(123456, 12345, 1, "PS", "ORPHAN"), drug_row(11, 1, 2, "XX", "ASPIRIN")]
    ingest_path(con, write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac}),
                validate=False)
    for name in ("raw_demo", "raw_drug"):
        frame = pv_validate.batch_frame(con, name, {"load_id": 1})
        doc = pv_validate.load_suite(name)
        whole = suites._run_gx(name, doc["name"], doc["expectations"], frame, "line_no")   # GX's own way
        split = pv_validate.run_suite(name, frame)
        assert [o.expectation for o in split] == [suites._label(e["type"], e["kwargs"]) for e in doc["expectations"]]
        assert [_without_batch_id(o) for o in split] == [_without_batch_id(o) for o in whole]
        assert any(not o.success for o in split)


def _without_batch_id(outcome) -> dict:
    """An outcome's fields, its GX result without the batch's name (which names the frame it ran on)."""
    result = json.loads(outcome.result_json)
    assert result["expectation_config"]["kwargs"].pop("batch_id").startswith(f"pv-{outcome.suite}_")
    return {**vars(outcome), "result_json": result}


def test_a_quarter_with_a_third_broken_is_refused_whole(con, tmp_path):
    ingest_path(con, FAERS_2017Q2)
    before = {t: count(con, t) for t in ("raw_demo", "raw_drug", "quarantine", "ingest_log", "validation_result")}
    demo, drug, reac = good_rows(30)
    drug = [line.replace("$PS$", "$??$") if i % 3 == 0 else line for i, line in enumerate(drug)]
    reac = [line.split("$", 1)[0] + "$" if i % 3 == 0 else line for i, line in enumerate(reac)]   # too few fields
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac})
    with pytest.raises(InputRefused) as info:
        ingest_path(con, path)
    message = str(info.value)
    assert "2019Q1 refused" in message and "limit 5%" in message
    assert "expect_column_values_to_be_in_set(role_cod)" in message and "parse.field_count" in message
    assert {t: count(con, t) for t in before} == before


def test_threshold_is_configurable(con, tmp_path):
    demo, drug, reac = good_rows(10)
    drug[0] = drug[0].replace("$PS$", "$??$")
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac})
    with pytest.raises(InputRefused):
        ingest_path(con, path, max_bad_rate=0.01)
    (result,) = ingest_path(con, path, max_bad_rate=0.10)
    assert result.n_quarantined == 1


def test_revalidate_release_and_the_data_quality_page(con, tmp_path):
    demo, drug, reac = good_rows(40)
    drug.append(drug_row(11, 1, 2, "XX", "ASPIRIN"))
    ingest_path(con, write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac}))
    standardize.build(con)
    summary = pv_validate.revalidate(con)
    assert summary.n_new_quarantined == 0                        # already held from the load
    assert summary.n_failed_critical == 1
    std = con.execute("select suite, success from validation_result where load_id is null order by suite").fetchall()
    assert {s for s, _ in std} == {"case_report", "case_drug", "case_event"} and all(ok for _, ok in std)
    rows = pv_validate.quarantine_summary(con)
    assert [(r[0], r[1], r[3]) for r in rows] == [("validate", "expect_column_values_to_be_in_set(role_cod)", 1)]
    qid = rows[0][4]
    with pytest.raises(PvError, match="needs who"):
        pv_validate.release(con, [qid], "", "")
    with pytest.raises(PvError, match="No quarantined row with id 999"):
        pv_validate.release(con, [999], "steward", "ok")
    assert pv_validate.release(con, [qid], "A. Steward", "XX is the sender's code for SS") == 1
    standardize.build(con)
    assert con.execute("select role from case_drug where drug_name_reported = 'ASPIRIN'").fetchall() == [("XX",)]
    page = pv_validate.write_report(con, tmp_path / "dq.html")
    html = page.read_text()
    for text in ("Loaded quarters", "2019Q1", "expect_column_values_to_be_in_set(role_cod)", "A. Steward",
                 "Trends across quarters", "case_report"):
        assert text in html


def test_parse_errors_cannot_be_released(con, tmp_path):
    demo, drug, reac = good_rows(40)
    drug.append("11$1$2")
    ingest_path(con, write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac}))
    qid = con.execute("select quarantine_id from quarantine where stage = 'parse'").fetchall()[0][0]
    with pytest.raises(PvError, match="failed to parse"):
        pv_validate.release(con, [qid], "steward", "looks fine")


def test_suites_are_data_with_severity_and_rationale():
    for name in (*pv_validate.RAW_SUITES, *pv_validate.STANDARDIZED_SUITES):
        suite = pv_validate.load_suite(name)
        assert suite["name"] == name and suite["expectations"]
        for exp in suite["expectations"]:
            assert exp["meta"]["severity"] in {"critical", "warning"} and len(exp["meta"]["rationale"]) > 20


def test_commands_that_do_not_validate_do_not_import_great_expectations(tmp_path):
    code = ("import sys; from pv import cli, db, signals, standardize, status, stats; "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_validation_does_not_keep_the_batch_alive(con):
    """GX caches every batch's DataFrame in its execution engine; pv must let it go after each validation, or
    memory grows with every quarter a process loads (a 50-quarter load was killed for lack of memory)."""
    import gc
    import weakref

    from pv import db

    ingest_path(con, FAERS_2017Q2)
    load_id = con.execute("select max(load_id) from ingest_log").fetchall()[0][0]
    refs = []
    for _ in range(2):
        frame = db.query(con, "validate/batch_raw_demo", {"load_id": load_id}).to_pandas()
        assert all(o.success for o in pv_validate.run_suite("raw_demo", frame) if o.severity == "critical")
        refs.append(weakref.ref(frame))
        del frame
    gc.collect()
    assert [r() is None for r in refs] == [True, True]
