"""Standardized layer: latest version per case, deleted cases, ingredients, PTs, probable duplicates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import (
    AERS_2004Q1,
    CAERS_ROWS,
    DEMO_HEADER,
    FAERS_2017Q2,
    count,
    demo_row,
    drug_row,
    outc_row,
    reac_row,
    write_quarter,
)

from pv import standardize
from pv.ingest import ingest_path, ingest_report_csv


def build(con):
    return standardize.build(con)


def test_real_excerpts_standardize(con):
    ingest_path(con, FAERS_2017Q2)
    ingest_path(con, AERS_2004Q1)
    counts = build(con)
    # 100 distinct cases in each excerpt, no caseid shared between them
    assert counts["case_report"] == 200
    assert con.execute("select source, count(*) from case_report group by source order by source").fetchall() == [
        ("aers", 100), ("faers", 100)]
    # every drug row of the latest versions is kept, a combination's prod_ai (A\B) once per ingredient; REAC rows
    # collapse only on exact PT repeats
    extra_parts = con.execute("select coalesce(sum(len(string_split(prod_ai, '\\')) - 1), 0) from raw_drug "
                              "where contains(prod_ai, '\\')").fetchone()[0]
    assert extra_parts > 0
    assert counts["case_drug"] == 328 + 386 + extra_parts
    distinct_pts = con.execute(
        "select count(*) from (select distinct quarter, primaryid, upper(trim(pt)) from raw_reac)").fetchall()[0][0]
    assert counts["case_event"] == distinct_pts
    # FAERS gives prod_ai on 324 of 328 rows
    assert con.execute("select count(distinct (case_id, drug_seq)) from case_drug where ingredient_source = 'prod_ai'"
                       ).fetchall()[0][0] == 324
    # a combination counts for each of its ingredients
    combo = con.execute("select case_id, drug_seq, prod_ai from case_drug where contains(prod_ai, '\\') limit 1").fetchone()
    parts = sorted(p.strip() for p in combo[2].split("\\"))
    assert sorted(r[0] for r in con.execute("select ingredient from case_drug where case_id = $c and drug_seq = $s",
                                            {"c": combo[0], "s": combo[1]}).fetchall()) == parts
    # a mixed-case FAERS PT and an ALL-CAPS AERS PT normalize to the same text
    assert con.execute("select pt, pt_reported from case_event where case_id = '10979236' and pt = 'EMOTIONAL DISTRESS'"
                       ).fetchall() == [("EMOTIONAL DISTRESS", "Emotional distress")]
    row = con.execute("select age_years, sex, country, outcomes, is_serious from case_report where case_id = '11144077'"
                      ).fetchall()
    assert row == [(40.0, "M", "US", ["OT"], True)]


def test_latest_version_wins_and_deleted_cases_go(con, tmp_path):
    (tmp_path / "q1").mkdir()
    (tmp_path / "q2").mkdir()
    write_quarter(tmp_path / "q1" / "faers_ascii_2019q1.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1, "20190110", age="30"), demo_row(21, 2, 1, "20190110"),
                 demo_row(31, 3, 1, "20190110")],
        "DRUG": [drug_row(11, 1, 1, "PS", "LEMTRADA"), drug_row(21, 2, 1, "PS", "X"), drug_row(31, 3, 1, "PS", "Y")],
        "REAC": [reac_row(11, 1, "Nausea"), reac_row(21, 2, "Rash"), reac_row(31, 3, "Rash")],
    })
    write_quarter(tmp_path / "q2" / "faers_ascii_2019q2.zip", "2019Q2", {
        # case 1 follow-up: version 2 with an extra PT and a new age
        "DEMO": [demo_row(12, 1, 2, "20190410", age="31", init_fda_dt="20190110")],
        "DRUG": [drug_row(12, 1, 1, "PS", "LEMTRADA")],
        "REAC": [reac_row(12, 1, "Nausea"), reac_row(12, 1, "Basedow's disease")],
    }, extra_members={"Deleted/DELETE19Q2.txt": b"3\n"})
    ingest_path(con, tmp_path / "q1")
    ingest_path(con, tmp_path / "q2")
    build(con)
    cases = con.execute(
        "select case_id, primary_id, case_version, n_versions, age_years, received_date::varchar, quarter "
        "from case_report order by case_id").fetchall()
    assert cases == [("1", 12, 2, 2, 31.0, "2019-01-10", "2019Q2"), ("2", 21, 1, 1, 40.0, "2019-01-10", "2019Q1")]
    assert con.execute("select pt from case_event where case_id = '1' order by pt").fetchall() == [
        ("BASEDOW'S DISEASE",), ("NAUSEA",)]
    assert con.execute("select ingredient, ingredient_source from case_drug where case_id = '1'").fetchall() == [
        ("ALEMTUZUMAB", "synonym")]


def test_version_ties_break_on_fda_date_then_quarter(con, tmp_path):
    # AERS has no caseversion: the latest FDA receipt wins
    write_quarter(tmp_path / "aers_ascii_2005q1.zip", "2005Q1", {
        "DEMO": [demo_row(100, 7, "", "20050105"), demo_row(101, 7, "", "20050301")],
        "DRUG": [drug_row(100, 7, 1, "PS", "A"), drug_row(101, 7, 1, "PS", "B")],
        "REAC": [reac_row(100, 7, "Rash"), reac_row(101, 7, "Fever")],
    })
    ingest_path(con, tmp_path / "aers_ascii_2005q1.zip")
    build(con)
    assert con.execute("select primary_id, source from case_report").fetchall() == [(101, "aers")]
    assert con.execute("select ingredient from case_drug").fetchall() == [("B",)]


@pytest.mark.parametrize(("age", "code", "years"), [
    ("45", "YR", 45.0), ("4", "DEC", 40.0), ("18", "MON", 1.5), ("26", "WK", round(26 * 7 / 365.25, 3)),
    ("999", "YR", None), ("30", "", None), ("abc", "YR", None),
])
def test_age_in_years(con, tmp_path, age, code, years):
    write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1, age=age, age_cod=code)], "DRUG": [drug_row(11, 1, 1, "PS", "A")],
        "REAC": [reac_row(11, 1, "Rash")]})
    ingest_path(con, tmp_path / "q.zip")
    build(con)
    assert con.execute("select age_years from case_report").fetchall() == [(years,)]


def test_outcomes_sex_and_seriousness(con, tmp_path):
    write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1, sex="UNK"), demo_row(21, 2, 1, sex="M")],
        "DRUG": [drug_row(11, 1, 1, "PS", "A"), drug_row(21, 2, 1, "PS", "A")],
        "REAC": [reac_row(11, 1, "Rash"), reac_row(21, 2, "Rash")],
        "OUTC": [outc_row(11, 1, "HO"), outc_row(11, 1, "DE"), outc_row(11, 1, "HO")]})
    ingest_path(con, tmp_path / "q.zip")
    build(con)
    rows = con.execute("select case_id, sex, outcomes, is_serious, is_death from case_report order by case_id").fetchall()
    assert rows == [("1", None, ["DE", "HO"], True, True), ("2", "M", [], False, False)]


def test_a_repeated_drug_seq_or_pt_keeps_the_first_line(con, tmp_path):
    """A drug_seq delivered twice for one report counts once, as its first line; a PT reported twice (in two
    spellings) is one case_event row with the first line's spelling and the first drug_rec_act given; an
    indication given twice for one drug is one case_indication row with the first line's spelling."""
    write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1), demo_row(21, 2, 1)],
        "DRUG": [drug_row(11, 1, 1, "PS", "Drug A"), drug_row(11, 1, 2, "C", "Drug B"),
                 drug_row(11, 1, 1, "SS", "Drug C"), drug_row(21, 2, 1, "PS", "Drug C")],
        "REAC": [reac_row(11, 1, "Rash"), "11$1$rash$Y$", reac_row(11, 1, "Fever"), reac_row(21, 2, "Rash")],
        "INDI": ["11$1$2$multiple  sclerosis$", "11$1$1$Pain$", "11$1$2$Multiple sclerosis$", "21$2$1$Pain$"]},
        headers={"INDI": "primaryid$caseid$indi_drug_seq$indi_pt"})
    ingest_path(con, tmp_path / "q.zip")
    build(con)
    indications = con.execute("select case_id, drug_seq, indication, indication_reported from case_indication "
                              "order by all").fetchall()
    assert indications == [("1", 1, "PAIN", "Pain"), ("1", 2, "MULTIPLE SCLEROSIS", "multiple  sclerosis"),
                           ("2", 1, "PAIN", "Pain")]
    drugs = con.execute("select case_id, drug_seq, role, drug_name_reported from case_drug order by all").fetchall()
    assert drugs == [("1", 1, "PS", "Drug A"), ("1", 2, "C", "Drug B"), ("2", 1, "PS", "Drug C")]
    events = con.execute("select case_id, pt, pt_reported, drug_rec_act from case_event order by all").fetchall()
    assert events == [("1", "FEVER", "Fever", None), ("1", "RASH", "Rash", "Y"), ("2", "RASH", "Rash", None)]


@pytest.mark.parametrize(("drugname", "prod_ai", "ingredient", "source"), [
    ("LEMTRADA", "", "ALEMTUZUMAB", "synonym"),
    ("Lemtrada 12 mg/1.2 mL concentrate for solution for infusion", "", "ALEMTUZUMAB", "synonym"),
    ("campath", "", "ALEMTUZUMAB", "synonym"),
    ("MabCampath", "", "ALEMTUZUMAB", "synonym"),
    ("TYSABRI (NATALIZUMAB) INJECTION", "", "NATALIZUMAB", "synonym"),
    ("METALYSE (TENECTEPLASE)", "", "TENECTEPLASE", "parenthetical"),
    ("(OXALIPLATIN) - SOLUTION- 85 MG/M2", "", "OXALIPLATIN", "parenthetical"),
    ("alemtuzumab", "", "ALEMTUZUMAB", "synonym"),
    ("SOMETHING ELSE", "Alemtuzumab", "ALEMTUZUMAB", "prod_ai"),
    ("HERBAL TEA", "", "HERBAL TEA", "unmapped"),
])
def test_drug_names_map_to_active_ingredients(con, tmp_path, drugname, prod_ai, ingredient, source):
    write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1)], "DRUG": [drug_row(11, 1, 1, "PS", drugname, prod_ai)],
        "REAC": [reac_row(11, 1, "Rash")]})
    ingest_path(con, tmp_path / "q.zip")
    build(con)
    assert con.execute("select ingredient, ingredient_source, drug_name_reported from case_drug").fetchall() == [
        (ingredient, source, drugname)]


def _dup_quarter(tmp_path, rows):
    """rows: (caseid, event_dt, age, sex, country, drugs, pts)"""
    demo, drug, reac = [], [], []
    for i, (caseid, event_dt, age, sex, country, drugs, pts) in enumerate(rows):
        pid = caseid * 10 + 1
        demo.append(demo_row(pid, caseid, 1, f"201901{10 + i}", age=age, sex=sex, country=country, event_dt=event_dt))
        drug.extend(drug_row(pid, caseid, j + 1, "PS" if j == 0 else "C", d) for j, d in enumerate(drugs))
        reac.extend(reac_row(pid, caseid, p) for p in pts)
    return write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac})


def test_probable_duplicates_are_grouped(con, tmp_path):
    base = ("20181201", "40", "F", "US", ["LEMTRADA", "ASPIRIN"], ["Rash", "Nausea"])
    _dup_quarter(tmp_path, [
        (1, *base),
        (2, *base[:4], ["ASPIRIN", "ALEMTUZUMAB"], ["Nausea", "Rash"]),  # same sets, other order and names
        (3, None, *base[1:]),                                       # event date missing: one field may be
        (4, None, None, *base[2:]),                                 # two missing: not a duplicate
        (5, "20181201", "41", *base[2:]),                           # age differs: not a duplicate
        (6, *base[:4], ["LEMTRADA"], ["Rash", "Nausea"]),           # other drug set
        (7, "20170101", "70", "M", "GB", ["X"], ["Y"]),             # unrelated, pairs with 8 (one field missing)
        (8, "20170101", "70", "M", None, ["X"], ["Y"]),
    ])
    ingest_path(con, tmp_path / "q.zip")
    build(con)
    rows = con.execute(
        "select case_id, duplicate_group_id, n_in_group, is_retained from case_duplicate order by case_id").fetchall()
    # group of 1, 2, 3: retained is the latest FDA receipt (case 3, received last of the three)
    assert rows == [("1", "1", 3, False), ("2", "1", 3, False), ("3", "1", 3, True),
                    ("7", "7", 2, False), ("8", "7", 2, True)]


def test_rebuild_gives_the_same_result(con):
    ingest_path(con, FAERS_2017Q2)
    ingest_path(con, AERS_2004Q1)
    tables = ("case_report", "case_drug", "case_event", "case_duplicate")
    build(con)
    first = {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}  # noqa: S608
    build(con)
    second = {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}  # noqa: S608
    assert first == second


def test_report_csv_cases(con, tmp_path):
    text = CAERS_ROWS.read_text().split("\n", 1)[1]
    path = tmp_path / "caers.csv"
    path.write_text("report_id,drug,event,sex\n" + text)
    ingest_report_csv(con, path, source_name="caers")
    build(con)
    assert count(con, "case_report") == 3356
    assert con.execute("select count(distinct ingredient) from case_drug").fetchall()[0][0] == 2874
    assert con.execute("select count(distinct pt) from case_event").fetchall()[0][0] == 1328
    # repeated report/product/PT rows count once: pairs = the 17,189 of openEBGM's caers_counts
    pairs = con.execute("select count(*) from (select distinct d.ingredient, e.pt from case_drug d "
                        "join case_event e using (case_id))").fetchall()[0][0]
    assert pairs == 17189
    assert con.execute("select sex, count(*) from case_report group by sex order by sex nulls last").fetchall()[0][0] == "F"
    assert con.execute("select distinct ingredient_source from case_drug").fetchall() == [("as_coded",)]
    assert count(con, "case_duplicate") == 0   # taken as de-duplicated by their source


def test_report_csv_roles_and_map_drugs(con, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("report_id,drug,event,role\n1,Lemtrada,Rash,C\n1,Lemtrada,Rash,PS\n1,Lemtrada,Fever,\n2,x,Rash,SS\n")
    ingest_report_csv(con, path, source_name="src", map_drugs=True)
    build(con)
    assert con.execute("select case_id, ingredient, role, ingredient_source from case_drug order by case_id").fetchall() == [
        ("src:1", "ALEMTUZUMAB", "PS", "synonym"), ("src:2", "X", "SS", "unmapped")]
    assert con.execute("select pt from case_event where case_id = 'src:1' order by pt").fetchall() == [("FEVER",), ("RASH",)]


def test_demo_header_constant_matches_raw_schema(con):
    # the test builder writes every FAERS DEMO column the raw schema knows
    ingest_path(con, FAERS_2017Q2)
    with zipfile.ZipFile(FAERS_2017Q2) as zf:
        header = zf.read("ascii/DEMO17Q2.txt").decode().splitlines()[0].rstrip("$")
    assert header == DEMO_HEADER


STANDARDIZED = ("drug_synonym", "case_report", "case_drug", "case_event", "case_lab", "case_indication", "case_signature",
                "case_duplicate")


def assert_same_as_full_build(con):
    """Copy the tables as built, rebuild everything, and compare row for row (as multisets)."""
    for t in STANDARDIZED:
        con.execute(f"create or replace temp table before_{t} as select * from {t}")  # noqa: S608 (fixed names)
    assert standardize.build(con, full=True)["mode"] == "full"
    for t in STANDARDIZED:
        n = count(con, t)
        assert count(con, f"before_{t}") == n, t
        for a, b in ((t, f"before_{t}"), (f"before_{t}", t)):
            extra = con.execute(f"select count(*) from (select * from {a} except all select * from {b})").fetchall()  # noqa: S608 (fixed names)
            assert extra[0][0] == 0, (t, a)


SAMPLE = sorted((Path(__file__).parent.parent / "sample_data").glob("*.zip"))


def test_incremental_builds_equal_a_full_build(con, tmp_path):
    """Quarters (with follow-up versions, duplicates sent under new caseids and deleted-case lists) and a report
    CSV arrive one by one; each build updates only the touched cases; the end result is a full build's."""
    for path in SAMPLE[:3]:
        ingest_path(con, path)
    first = standardize.build(con)
    assert (first["mode"], first["reason"]) == ("full", "first build")
    assert count(con, "case_duplicate") > 0
    ingest_path(con, SAMPLE[3])
    fourth = standardize.build(con)
    assert fourth["mode"] == "incremental" and 0 < fourth["cases_rebuilt"] < fourth["case_report"]
    for path in SAMPLE[4:]:
        ingest_path(con, path)
    assert standardize.build(con)["reason"] == "2 new load(s)"
    text = CAERS_ROWS.read_text().split("\n", 1)[1]
    (tmp_path / "caers.csv").write_text("report_id,drug,event,sex\n" + text)
    ingest_report_csv(con, tmp_path / "caers.csv", source_name="caers", mix_synthetic=True)
    assert standardize.build(con)["mode"] == "incremental"
    # the sample's follow-ups and deletions reached cases of earlier quarters
    assert con.execute("select count(*) from case_report where n_versions > 1").fetchall()[0][0] > 100
    assert con.execute("select count(*) from raw_deleted_case").fetchall()[0][0] > 0
    assert_same_as_full_build(con)


def test_follow_up_regroups_duplicates(con, tmp_path):
    base = ("20181201", "40", "F", "US", ["LEMTRADA"], ["Rash"])
    _dup_quarter(tmp_path, [(1, *base), (2, *base), (9, "20170101", "70", "M", "GB", ["X"], ["Y"])])
    ingest_path(con, tmp_path / "q.zip")
    standardize.build(con)
    assert con.execute("select case_id from case_duplicate order by 1").fetchall() == [("1",), ("2",)]
    # 2019Q2: case 2 comes back with one more PT (no longer a duplicate of 1); case 3 arrives, a copy of 1;
    # case 9 is deleted
    write_quarter(tmp_path / "q2.zip", "2019Q2", {
        "DEMO": [demo_row(22, 2, 2, "20190401"), demo_row(31, 3, 1, "20190402")],
        "DRUG": [drug_row(22, 2, 1, "PS", "LEMTRADA"), drug_row(31, 3, 1, "PS", "LEMTRADA")],
        "REAC": [reac_row(22, 2, "Rash"), reac_row(22, 2, "Pyrexia"), reac_row(31, 3, "Rash")],
    }, extra_members={"Deleted/DELETE19Q2.txt": b"9\n"})
    ingest_path(con, tmp_path / "q2.zip")
    result = standardize.build(con)
    assert (result["mode"], result["cases_rebuilt"]) == ("incremental", 3)
    assert con.execute("select case_id, duplicate_group_id, is_retained from case_duplicate order by 1").fetchall() == [
        ("1", "1", False), ("3", "1", True)]
    assert con.execute("select case_id from case_report order by 1").fetchall() == [("1",), ("2",), ("3",)]
    assert con.execute("select list(pt order by pt) from case_event where case_id = '2'").fetchall() == [
        (["PYREXIA", "RASH"],)]
    assert_same_as_full_build(con)


def test_build_plan_says_when_everything_must_be_rebuilt(con, tmp_path):
    ingest_path(con, SAMPLE[0])
    standardize.build(con)
    assert standardize.plan(con).mode == "current"
    assert standardize.build(con)["cases_rebuilt"] == 0
    assert standardize.plan(con, full=True).reason == "asked for (--full)"
    # a steward releases / validation holds a row of an earlier load
    load_id = con.execute("select min(load_id) from ingest_log").fetchall()[0][0]
    con.execute("insert into quarantine (load_id, quarter, table_name, source_file, line_no, reason, check_name, stage) "
                "values ($l, '2019Q1', 'raw_reac', 'REAC19Q1.txt', 2, 'test', 'test.check', 'validate')", {"l": load_id})
    how = standardize.plan(con)
    assert (how.mode, how.reason) == ("full", "rows of earlier loads were held in or released from quarantine")
    standardize.build(con)
    # the same quarter delivered again (a re-issued file) replaces its load
    reissued = tmp_path / SAMPLE[0].name
    with zipfile.ZipFile(SAMPLE[0]) as src, zipfile.ZipFile(reissued, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("README.txt", b"re-issued")          # other bytes, same quarter
    ingest_path(con, reissued)
    how = standardize.plan(con)
    assert how.mode == "full" and how.reason.endswith("were replaced or removed")
