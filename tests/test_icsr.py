"""openFDA JSON and E2B(R3)/(R2) XML: the real samples (expected counts worked out here from the files themselves),
versions collapsed to cases, lab results and CTCAE grades, the FAERS overlap, and refused input."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import duckdb
import pytest
from conftest import FAERS_2017Q2, FIXTURES

from pv import standardize
from pv.errors import InputRefused
from pv.ingest.faers import ingest_path
from pv.ingest.icsr import ingest_icsr_file

OPENFDA = FIXTURES / "openfda" / "drug-event-sample.json"
E2B_R2 = FIXTURES / "e2b_r2" / "event.sgm"
E2B_R3 = sorted((FIXTURES / "e2b_r3").glob("*.xml"))
HL7 = "{urn:hl7-org:v3}"


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _load(con, *paths, validate=False):
    return [ingest_icsr_file(con, p, validate=validate) for p in paths]


def _n(con, sql, params=None):
    return con.execute(sql, params or {}).fetchone()[0]


def test_openfda_sample_reports_reactions_drugs_and_roles(con):
    results = json.loads(OPENFDA.read_text())["results"]
    n_reactions = sum(len(r["patient"]["reaction"]) for r in results)
    drugs = [d for r in results for d in r["patient"]["drug"]]
    roles = {c: sum(d["drugcharacterization"] == c for d in drugs) for c in ("1", "2", "3")}
    _load(con, OPENFDA, validate=True)
    assert _n(con, "select count(*) from raw_icsr_report") == len(results)
    assert _n(con, "select count(*) from raw_icsr_reaction") == n_reactions
    assert _n(con, "select count(*) from raw_icsr_drug") == len(drugs)
    for code, n in roles.items():
        assert _n(con, "select count(*) from raw_icsr_drug where characterization = $c", {"c": code}) == n
    standardize.build(con)
    ids = {r["safetyreportid"] for r in results}
    assert _n(con, "select count(*) from case_report where source = 'openfda'") == len(ids)
    # one PS per case with a suspect; the other suspects SS; concomitants C, interacting I
    suspects = {r["safetyreportid"]: sum(d["drugcharacterization"] == "1" for d in r["patient"]["drug"]) for r in results}
    def n_drugs(where):
        return _n(con, f"select count(distinct (case_id, drug_seq)) from case_drug where {where}")  # noqa: S608

    assert n_drugs("role = 'PS'") == sum(1 for n in suspects.values() if n)
    assert n_drugs("role in ('PS', 'SS')") == roles["1"]
    assert n_drugs("role = 'I'") == roles["3"]
    # a combination's active substances ('A\\B') give a row per ingredient
    parts = sum(len([x for x in d["activesubstance"]["activesubstancename"].split("\\") if x.strip()])
                if d.get("activesubstance") else 1 for d in drugs)
    assert parts > len(drugs)
    assert _n(con, "select count(*) from case_drug") == parts
    # ingredient from the active substance as delivered, combinations joined by '\'
    first = results[0]
    assert con.execute("select ingredient, therapy_start_date::varchar from case_drug where case_id = $c and drug_seq = 1",
                       {"c": first["safetyreportid"]}).fetchone() == ("THALIDOMIDE", "2017-06-09")
    row = con.execute("select sex, age_years, country, reporter_occupation, is_serious, received_date::varchar "
                      "from case_report where case_id = $c", {"c": first["safetyreportid"]}).fetchone()
    assert row == ("M", 88.0, "US", "PH", True, "2017-09-29")
    # a reaction PT counted once per case
    expected_events = sum(len({x["reactionmeddrapt"].upper() for x in r["patient"]["reaction"]}) for r in results)
    assert _n(con, "select count(*) from case_event") == expected_events
    assert _n(con, "select count(*) from validation_result where suite like 'raw_icsr_%'") > 0


def _c18(path: Path) -> tuple[str, str, str]:
    """(C.1.8.1 or C.1.1, C.1.5, C.1.2) of a scenario, read with ElementTree here, not with pv's reader."""
    root = ET.parse(path).getroot()
    inv = root.find(f"{HL7}PORR_IN049016UV/{HL7}controlActProcess/{HL7}subject/{HL7}investigationEvent")
    ids = {i.get("root"): i.get("extension") for i in inv.findall(f"{HL7}id")}
    created = root.find(f"{HL7}PORR_IN049016UV/{HL7}controlActProcess/{HL7}effectiveTime").get("value")
    key = ids.get("2.16.840.1.113883.3.989.2.1.3.2") or ids["2.16.840.1.113883.3.989.2.1.3.1"]
    return key, inv.find(f"{HL7}availabilityTime").get("value"), created


def test_e2b_r3_scenarios_are_versions_of_three_cases_latest_c15_wins(con):
    keyed = [(p, *_c18(p)) for p in E2B_R3]
    cases = {k for _, k, _, _ in keyed}
    assert len(cases) == 3
    loaded = _load(con, *E2B_R3)
    assert all("no MedDRA release is loaded" in r.warnings[0] for r in loaded)     # the codes stay unmapped, said
    standardize.build(con)
    assert _n(con, "select count(*) from case_report where source = 'e2b'") == 3

    def instant(v):
        return int(re.match(r"\d+", v).group(0).ljust(14, "0"))

    for key in cases:
        versions = [(instant(c15), instant(c12), i, p) for i, (p, k, c15, c12) in enumerate(keyed) if k == key]
        winner = max(versions)[3]        # latest C.1.5, then C.1.2, then the file loaded last
        got = con.execute("select c.n_versions, l.source_path from case_report as c join ingest_log as l using "
                          "(load_id) where case_id = $c", {"c": f"e2b:{key}"}).fetchone()
        assert got == (len(versions), str(winner))
    # the LLT codes are kept and counted under their codes without MedDRA
    assert _n(con, "select count(*) from case_event where match_method = 'text' and regexp_full_match(pt, '\\d{8}')") > 0


def test_scenario6_lab_results(con):
    scenario6 = next(p for p in E2B_R3 if p.name == "FAERS2022Scenario6.xml")
    root = ET.parse(scenario6).getroot()
    organizers = [o for o in root.iter(f"{HL7}organizer") if o.find(f"{HL7}code").get("code") == "3"]
    n_labs = sum(len(o.findall(f"{HL7}component/{HL7}observation")) for o in organizers)
    assert n_labs == 7
    _load(con, scenario6)
    standardize.build(con)
    assert _n(con, "select count(*) from case_lab") == n_labs
    calcium = con.execute("select test, value, unit, normal_low, normal_high, test_date::varchar from case_lab "
                          "where lab_seq = 1").fetchone()
    assert calcium == ("Calcium Level", 10.0, "mg/dl", 40.0, 110.0, "2009-01-01")
    qualifiers = [r[0] for r in con.execute("select value_qualifier from case_lab order by lab_seq").fetchall()]
    assert qualifiers[:5] == [None, "<", "<=", ">", ">="]


def test_e2b_r2_case(con):
    text = E2B_R2.read_text()
    _load(con, E2B_R2)
    assert _n(con, "select count(*) from raw_icsr_drug") == text.count("<drug>")
    assert _n(con, "select count(*) from raw_icsr_reaction") == text.count("<reaction>")
    standardize.build(con)
    assert con.execute("select case_id, sex, age_years from case_report").fetchone() == (
        "e2b:US-MERCK-0304USA00739", "F", 62.0)


R2_LABS = """<?xml version="1.0" encoding="UTF-8"?>
<ichicsr lang="en"><safetyreport><safetyreportid>T-1</safetyreportid><receiptdate>20240105</receiptdate>
<patient><patientsex>2</patientsex>
<reaction><reactionmeddrapt>Lymphopenia</reactionmeddrapt></reaction>
<test><testname>Lymphocyte count</testname><testdate>20240101</testdate><testresult>0.3</testresult>
  <testunit>10^9/L</testunit><lowtestrange>1.1</lowtestrange></test>
<test><testname>Absolute lymphocyte count</testname><testdate>20231201</testdate><testresult>700</testresult>
  <testunit>/mm3</testunit></test>
<test><testname>Lymphocytes %</testname><testresult>12</testresult><testunit>%</testunit></test>
<test><testname>Neutrophil count</testname><testdate>20240101</testdate><testresult>1.2</testresult>
  <testunit>x10^9/L</testunit></test>
<test><testname>Platelet count</testname><testdate>20240101</testdate><testresult>180</testresult>
  <testunit>10*9/L</testunit></test>
<drug><drugcharacterization>1</drugcharacterization><medicinalproduct>LEMTRADA</medicinalproduct>
  <activesubstance><activesubstancename>ALEMTUZUMAB</activesubstancename></activesubstance>
  <drugstartdate>20231101</drugstartdate></drug>
</patient></safetyreport></ichicsr>
"""


def test_lab_units_and_ctcae_grades(con, tmp_path):
    path = tmp_path / "labs.xml"
    path.write_text(R2_LABS)
    _load(con, path)
    standardize.build(con)
    grades = con.execute("select test, value_1e9_per_l, lln, lln_source, ctcae_grade from lab_grade "
                         "order by lab_seq").fetchall()
    assert grades == [
        ("Lymphocyte count", 0.3, 1.1, "reported", 3),             # < 0.5-0.2
        ("Absolute lymphocyte count", 0.7, 1.0, "default", 2),     # 700/mm3 = 0.7 x 10^9/L: < 0.8-0.5
        ("Neutrophil count", 1.2, 1.8, "default", 2),               # < 1.5-1.0
        ("Platelet count", 180.0, 150.0, "default", 0),             # above the LLN
    ]
    worst = con.execute("select analyte, worst_grade, first_date_at_worst::varchar from case_worst_lab_grade "
                        "order by analyte").fetchall()
    assert worst == [("lymphocytes", 3, "2024-01-01"), ("neutrophils", 2, "2024-01-01"), ("platelets", 0, "2024-01-01")]


def test_openfda_case_also_in_faers_quarterly_files_counts_once(con, tmp_path):
    ingest_path(con, FAERS_2017Q2, validate=False)
    caseid = con.execute("select trim(caseid) from raw_demo order by line_no limit 1").fetchone()[0]
    record = json.loads(OPENFDA.read_text())["results"][0] | {"safetyreportid": caseid}
    path = tmp_path / "drug-event-0001-of-0001.json"
    path.write_text(json.dumps({"meta": {}, "results": [record]}))
    _load(con, path)
    standardize.build(con)
    assert _n(con, "select count(*) from case_report where case_id = $c", {"c": caseid}) == 1
    assert _n(con, "select count(*) from case_report where case_id = $c and source = 'faers'", {"c": caseid}) == 1
    assert con.execute("select case_id from source_overlap").fetchall() == [(caseid,)]


def test_openfda_zip_streams_and_matches_the_json(con, tmp_path):
    archive = tmp_path / "drug-event-0001-of-0001.json.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(OPENFDA, "drug-event-0001-of-0001.json")
    _load(con, archive)
    assert _n(con, "select count(*) from raw_icsr_report") == 27


# --- refused input: a clear sentence naming the file, and nothing written ---------------------------------------

XXE = """<?xml version="1.0"?>
<!DOCTYPE ichicsr [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ichicsr><safetyreport><safetyreportid>&xxe;</safetyreportid></safetyreport></ichicsr>
"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ichicsr><safetyreport><safetyreportid>&lol3;</safetyreportid></safetyreport></ichicsr>
"""
NO_ID_R3 = (FIXTURES / "e2b_r3" / "FAERS2022Scenario1.xml").read_text().replace(
    'extension="US-APHARMA-8744554B" ', "")


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("xxe.xml", XXE, "declares an entity"),
    ("laughs.xml", LAUGHS, "declares an entity"),
    ("broken.xml", E2B_R2.read_text()[:5000], "not well-formed XML"),
    ("noid.xml", NO_ID_R3, "no case id"),
    ("other.xml", "<?xml version='1.0'?><html><body/></html>", "not an E2B(R3) batch"),
    ("drug-event-0001-of-0001.json", OPENFDA.read_text()[:20000], "malformed or truncated JSON"),
    ("label.json", json.dumps({"meta": {}, "results": [{"set_id": "x", "openfda": {}}]}), "not openFDA drug-event"),
    ("list.json", "[1, 2]", "not a JSON object"),
    ("noid.json", json.dumps({"results": [{"patient": {"reaction": []}}]}), "without safetyreportid"),
])
def test_bad_input_is_refused_and_changes_nothing(con, tmp_path, name, content, expected):
    _load(con, OPENFDA)
    before = [_n(con, f"select count(*) from {t}") for t in ("ingest_log", "raw_icsr_report", "raw_icsr_drug")]  # noqa: S608
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputRefused, match=re.escape(expected)) as err:
        ingest_icsr_file(con, path, validate=False)
    assert str(path) in str(err.value)
    after = [_n(con, f"select count(*) from {t}") for t in ("ingest_log", "raw_icsr_report", "raw_icsr_drug")]  # noqa: S608
    assert after == before


def test_truncated_zip_is_refused(con, tmp_path):
    archive = tmp_path / "drug-event-0001-of-0001.json.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("drug-event-0001-of-0001.json", OPENFDA.read_text() * 3)
    archive.write_bytes(archive.read_bytes()[:3000])
    with pytest.raises(InputRefused, match="corrupt or truncated"):
        ingest_icsr_file(con, archive, validate=False)
    assert _n(con, "select count(*) from ingest_log") == 0


def test_zip_with_damaged_data_is_refused(con, tmp_path):
    archive = tmp_path / "drug-event-0001-of-0001.json.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("drug-event-0001-of-0001.json", OPENFDA.read_text() * 20)
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)           # the directory is intact, the deflate stream is not
    archive.write_bytes(bytes(data))
    with pytest.raises(InputRefused, match="truncated or corrupt|malformed"):
        ingest_icsr_file(con, archive, validate=False)
    assert _n(con, "select count(*) from ingest_log") == 0


def _r2_case(case: int, drug: str, substance: str, start: str | None, labs: list[tuple[str, str, str]]) -> str:
    tests = "".join(f"<test><testname>Lymphocyte count</testname><testdate>{d}</testdate><testresult>{v}</testresult>"
                    f"<testunit>{u}</testunit></test>" for d, v, u in labs)
    started = f"<drugstartdate>{start}</drugstartdate>" if start else ""
    return (f"<safetyreport><safetyreportid>C-{case}</safetyreportid><receiptdate>20240301</receiptdate>"
            f"<patient><reaction><reactionmeddrapt>Lymphopenia</reactionmeddrapt></reaction>{tests}"
            f"<drug><drugcharacterization>1</drugcharacterization><medicinalproduct>{drug}</medicinalproduct>"
            f"<activesubstance><activesubstancename>{substance}</activesubstancename></activesubstance>{started}"
            "</drug></patient></safetyreport>")


def test_lymphopenia_table_of_the_report(tmp_path):
    """Alemtuzumab cases: worst grades 4 (0.15 x 10^9/L on day 30), 3 (0.4 on day 10, after 0.9 on day 5), 2
    (600/mm3 on day 90) and 0; one graded case without a therapy start. Other drugs' cases make the background."""
    from pv import db, runs
    from pv.config import PvConfig
    from pv.report import build_report

    cases = [
        _r2_case(1, "LEMTRADA", "ALEMTUZUMAB", "20230101", [("20230131", "0.15", "10^9/L")]),
        _r2_case(2, "LEMTRADA", "ALEMTUZUMAB", "20230101", [("20230106", "0.9", "10^9/L"), ("20230111", "0.4", "10^9/L")]),
        _r2_case(3, "LEMTRADA", "ALEMTUZUMAB", "20230101", [("20230401", "600", "/mm3")]),
        _r2_case(4, "LEMTRADA", "ALEMTUZUMAB", "20230101", [("20230201", "1.6", "10^9/L")]),
        _r2_case(5, "LEMTRADA", "ALEMTUZUMAB", None, [("20230201", "0.3", "10^9/L")]),
        *(_r2_case(10 + i, "ASPIRIN", "ASPIRIN", None, []) for i in range(30)),
    ]
    path = tmp_path / "cases.xml"
    path.write_text(f"<ichicsr lang='en'>{''.join(cases)}</ichicsr>")
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    ingest_icsr_file(con, path, validate=False)
    run_id = runs.run_in_process(con, PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["prr"]))
    row = db.query(con, "report/lab_grades", {"drugs": ["ALEMTUZUMAB"]}).to_pylist()
    assert len(row) == 1
    got = row[0]
    assert (got["analyte"], got["n_cases"], got["grade_0"], got["grade_1"], got["grade_2"], got["grade_3"],
            got["grade_4"], got["n_undated"]) == ("lymphocytes", 5, 1, 0, 1, 2, 1, 1)
    # days to the worst grade of the cases with lymphopenia: 30, 10, 90 (case 5 has no therapy start)
    assert (got["median_days"], got["q1_days"], got["q3_days"]) == (30.0, 20.0, 60.0)
    result = build_report(con, tmp_path / "report", run=run_id, drugs=["ALEMTUZUMAB"], formats=("csv", "html"))
    html = (result.out_dir / "signal_report.html").read_text()
    assert "Laboratory grades: ALEMTUZUMAB" in html and "lymphocytes" in html
    assert (result.out_dir / "lab_grades.csv").read_text().count("ALEMTUZUMAB") == 1


def test_synthetic_openfda_and_e2b_give_the_same_cases(tmp_path):
    """pv synth --format openfda|e2b writes the same cases in two shapes; both read back to the same standardized
    counts (cases, suspect drugs, events, lab grades), and the loads are marked synthetic."""
    from pv.synth.icsr import write_icsr

    results = {}
    for fmt in ("openfda", "e2b"):
        files = write_icsr(tmp_path / fmt, 400, fmt, per_file=150)
        assert len(files) == 3
        c = duckdb.connect()
        loaded = [ingest_icsr_file(c, f, validate=False) for f in files]
        assert all(r.is_synthetic for r in loaded)
        standardize.build(c)
        results[fmt] = c.execute(
            "select (select count(*) from case_report), (select count(*) from case_drug where role in ('PS', 'SS')), "
            "(select count(*) from case_event), (select count(*) from case_drug where role = 'PS' and ingredient = "
            "'ALEMTUZUMAB'), (select list(worst_grade order by case_id) from case_worst_lab_grade)").fetchone()
        c.close()
    assert results["openfda"][0] == 400 and results["openfda"][3] > 0 and len(results["openfda"][4]) > 0
    assert results["openfda"] == results["e2b"]


def test_files_parsed_in_worker_processes_load_as_one_by_one(tmp_path):
    """ingest_icsr_files parses ahead in two processes: the loads equal those of a one-by-one ingest, row for row;
    a refused file stops the run there (earlier files loaded, nothing of it), and a file loaded already is skipped."""
    from pv.ingest.icsr_parallel import ingest_icsr_files

    files = [(p, "e2b") for p in E2B_R3[:4]] + [(OPENFDA, "openfda")]
    one, par = duckdb.connect(), duckdb.connect()
    for path, fmt in files:
        ingest_icsr_file(one, path, fmt, validate=False)
    results = ingest_icsr_files(par, files, workers=2, validate=False)
    assert [r.status for r in results] == ["loaded"] * 5
    for table in ("raw_icsr_report", "raw_icsr_drug", "raw_icsr_reaction", "raw_icsr_lab"):
        query = f"select * exclude (load_id) from {table} order by all"  # noqa: S608
        assert one.execute(query).fetchall() == par.execute(query).fetchall()
    bad = tmp_path / "bad.xml"
    bad.write_text(XXE)
    again = ingest_icsr_files(par, files[:2], workers=2, validate=False)
    assert [r.status for r in again] == ["skipped", "skipped"]
    c = duckdb.connect()
    with pytest.raises(InputRefused, match="declares an entity"):
        ingest_icsr_files(c, [files[0], (bad, "e2b"), files[1]], workers=2, validate=False)
    assert _n(c, "select count(*) from ingest_log") == 1


def test_validation_in_chunks_adds_up_to_one_batch_and_holds_a_bad_report_whole(con, tmp_path):
    from pv.validate.chunked import validate_icsr_load

    record = json.loads(OPENFDA.read_text())["results"]
    broken = json.loads(json.dumps(record[1]))
    broken["safetyreportid"] = "99999999"
    broken["patient"]["reaction"][0].pop("reactionmeddrapt")     # a reaction without a term: critical
    path = tmp_path / "drug-event-0001-of-0001.json"
    path.write_text(json.dumps({"meta": {}, "results": [*record, broken]}))
    result = ingest_icsr_file(con, path, validate=True)
    assert result.n_quarantined == 1
    load_id = result.load_id

    def key(outcomes):
        return sorted((o.suite, o.expectation, o.success, o.element_count, o.unexpected_count) for o in outcomes)

    whole, chunks = validate_icsr_load(con, load_id, chunk=1000), validate_icsr_load(con, load_id, chunk=5)
    assert key(whole.outcomes) == key(chunks.outcomes)
    assert [q["line_no"] for q in chunks.quarantine] == [len(record) + 1]
    standardize.build(con)
    assert _n(con, "select count(*) from case_report where case_id = '99999999'") == 0
    assert _n(con, "select count(*) from case_report") == len({r["safetyreportid"] for r in record})


def test_e2b_llt_codes_become_the_pts_the_same_cases_report_as_text(tmp_path):
    """With a MedDRA release loaded (the invented demo release: NOT MedDRA), the synthetic E2B(R3) cases' LLT codes
    are coded to the same PTs their openFDA twins report by name."""
    from pv import meddra
    from pv.meddra import invented
    from pv.synth.icsr import write_icsr

    release = invented.write(tmp_path / "meddra")
    pts = {}
    for fmt in ("openfda", "e2b"):
        c = duckdb.connect()
        meddra.load(c, release, by="tester")
        for f in write_icsr(tmp_path / fmt, 200, fmt):
            ingest_icsr_file(c, f, validate=False)
        standardize.build(c)
        pts[fmt] = c.execute("select pt, count(*) from case_event group by pt order by pt").fetchall()
        methods = dict(c.execute("select match_method, count(*) from case_event group by all").fetchall())
        assert methods.get("llt_code" if fmt == "e2b" else "pt", 0) == sum(n for _, n in pts[fmt])
        c.close()
    assert pts["openfda"] == pts["e2b"]


def test_nightly_inbox_takes_openfda_and_e2b_files_beside_faers_quarters(con, tmp_path):
    import shutil

    from pv import runs

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(FAERS_2017Q2, inbox)
    archive = inbox / "drug-event-0001-of-0001.json.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(OPENFDA, "drug-event-0001-of-0001.json")
    shutil.copy(E2B_R3[0], inbox)
    found = runs.new_inbox_sources(con, inbox)
    assert [Path(p).name for p in found] == [FAERS_2017Q2.name, *sorted([archive.name, E2B_R3[0].name])]
    formats = [r.status for source in found for r in runs.ingest_inbox_source(con, source, 0.05)]
    assert formats == ["loaded"] * 3
    assert sorted(r[0] for r in con.execute("select format from ingest_log").fetchall()) == [
        "e2b_r3", "faers_ascii", "openfda"]
    assert runs.new_inbox_sources(con, inbox) == []


def test_openfda_zip_bomb_is_refused_before_reading(con, tmp_path):
    archive = tmp_path / "drug-event-0001-of-0001.json.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("drug-event-0001-of-0001.json", b" " * (40 * 1024 * 1024))     # ~1,000-fold
    with pytest.raises(InputRefused, match="zip bomb"):
        ingest_icsr_file(con, archive, validate=False)
    assert _n(con, "select count(*) from ingest_log") == 0
