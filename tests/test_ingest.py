"""Ingestion: both eras, FDA's quirks, refusals, idempotency, re-issue, interrupted loads, report CSVs."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from conftest import (
    AERS_2004Q1,
    CAERS_ROWS,
    FAERS_2017Q2,
    FIXTURES,
    count,
    demo_row,
    drug_row,
    outc_row,
    reac_row,
    simple_quarter,
    write_quarter,
)

from pv.errors import InputRefused
from pv.ingest import faers as faers_module
from pv.ingest import ingest_path, ingest_report_csv

RAW_TABLES = ("raw_demo", "raw_drug", "raw_reac", "raw_outc", "raw_ther", "raw_indi", "raw_rpsr")


def snapshot(con) -> dict[str, int]:
    tables = (*RAW_TABLES, "raw_deleted_case", "quarantine", "ingest_log")
    return {t: count(con, t) for t in tables}


# --- the real excerpts -------------------------------------------------------------------------------------


def test_faers_2017q2_excerpt_loads_every_row_with_lineage(con):
    (result,) = ingest_path(con, FAERS_2017Q2)
    assert result.status == "loaded" and result.quarter == "2017Q2"
    # Row counts as published with the excerpt (tests/fixtures/README.md).
    assert result.rows == {"demo": 100, "drug": 328, "reac": 286, "outc": 75, "ther": 142, "indi": 232, "rpsr": 2}
    assert result.n_quarantined == 0
    sha = hashlib.sha256(FAERS_2017Q2.read_bytes()).hexdigest()
    lineage = con.execute(
        "select distinct quarter, source_sha256, load_id, source_file from raw_drug"
    ).fetchall()
    assert lineage == [("2017Q2", sha, result.load_id, "faers_ascii_2017q2.zip/ascii/DRUG17Q2.txt")]
    # line numbers are physical lines: header is line 1, so data is 2..329
    assert con.execute("select min(line_no), max(line_no) from raw_drug").fetchall() == [(2, 329)]
    first = con.execute("select primaryid, caseid, drugname, prod_ai from raw_drug where line_no = 2").fetchall()
    assert first == [("109792364", "10979236", "RISPERDAL", "RISPERIDONE")]
    assert con.execute("select count(*) from raw_drug where prod_ai is not null").fetchall()[0][0] == 324
    log = con.execute("select status, n_demo, n_drug, format, source_sha256 from ingest_log").fetchall()
    assert log == [("loaded", 100, 328, "faers_ascii", sha)]


def test_aers_2004q1_excerpt_maps_legacy_columns(con):
    (result,) = ingest_path(con, AERS_2004Q1)
    assert result.quarter == "2004Q1"
    assert result.rows == {"demo": 100, "drug": 386, "reac": 416, "outc": 93, "ther": 145, "indi": 124, "rpsr": 119}
    row = con.execute(
        "select primaryid, caseid, sex, i_f_code, image, extra_fields from raw_demo where line_no = 2"
    ).fetchall()
    # isr -> primaryid, case -> caseid, gndr_cod -> sex, i_f_cod -> i_f_code; the empty phantom v23 is dropped
    assert row == [("4263742", "4061110", "F", "I", "4263742-7", None)]
    ther = con.execute("select dsg_drug_seq, start_dt from raw_ther where line_no = 2").fetchall()
    assert ther == [("1004492716", "20031115")]
    assert con.execute("select format from ingest_log").fetchall() == [("aers_ascii",)]
    assert con.execute("select count(*) from raw_demo where extra_fields is not null").fetchall()[0][0] == 0


def test_same_file_again_is_a_noop_that_says_so(con):
    ingest_path(con, FAERS_2017Q2)
    before = snapshot(con)
    (again,) = ingest_path(con, FAERS_2017Q2)
    assert again.status == "skipped"
    assert "already loaded" in again.message
    assert snapshot(con) == before


def test_extracted_folder_loads_like_the_zip(con, tmp_path):
    with zipfile.ZipFile(AERS_2004Q1) as zf:
        zf.extractall(tmp_path / "aers")
    (result,) = ingest_path(con, tmp_path / "aers")
    assert result.quarter == "2004Q1" and result.rows["reac"] == 416
    # a folder of zips: each zip is one quarter
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / FAERS_2017Q2.name).write_bytes(FAERS_2017Q2.read_bytes())
    (r2,) = ingest_path(con, tmp_path / "inbox")
    assert r2.quarter == "2017Q2" and r2.status == "loaded"


# --- quirks --------------------------------------------------------------------------------------------------


def test_crlf_latin1_embedded_newline_and_bad_rows(con, tmp_path):
    demo = [demo_row(11, 1, 1), demo_row(21, 2, 1), demo_row(31, 3, 1)]
    drug_lines = [
        drug_row(11, 1, 1, "PS", "LEMTRADA", "ALEMTUZUMAB"),
        # an embedded newline splits this row in two
        drug_row(21, 2, 1, "PS", "CAMPATH 30 MG", "ALEMTUZUMAB").replace("CAMPATH 30", "CAMPATH\n30"),
        drug_row(31, 3, 1, "PS", "TYSABRI", "") + "$extra$fields",     # too many fields
        "31$3$2$C",                                                      # too few fields
        drug_row("X9", 3, 3, "C", "ASPIRIN"),                            # key not a number
    ]
    reac = [reac_row(11, 1, "Basedow's disease"), reac_row(21, 2, "Nausea"), reac_row(31, 3, "Headache")]
    drug_bytes = ("\r\n".join([DRUG_HEADER_WITH_DOLLAR, *drug_lines]) + "\r\n").encode()
    # a latin-1 byte in a REAC row (0xE9 = é); the other rows are UTF-8
    reac_bytes = ("\r\n".join(["primaryid$caseid$pt$drug_rec_act$", *reac]) + "\r\n").encode()
    reac_bytes = reac_bytes.replace(b"Nausea", b"Naus\xe9a")
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug_bytes, "REAC": reac_bytes},
                         newline="\r\n")
    (result,) = ingest_path(con, path, max_bad_rate=1.0)   # a tiny file: 3 bad lines are far over 5 %
    assert result.rows["drug"] == 2 and result.rows["reac"] == 3 and result.rows["demo"] == 3
    assert result.n_rejoined == 1 and result.n_latin1_lines == 1
    rejoined = con.execute("select drugname, line_no from raw_drug where primaryid = '21'").fetchall()
    assert rejoined == [("CAMPATH 30 MG", 3)]
    assert con.execute("select pt from raw_reac where primaryid = '21'").fetchall() == [("Nausé" + "a",)]
    # no CR left anywhere
    assert con.execute("select count(*) from raw_demo where occr_country like '%\r%'").fetchall()[0][0] == 0
    bad = con.execute("select line_no, check_name, reason, raw_text from quarantine order by line_no").fetchall()
    assert [(b[0], b[1]) for b in bad] == [(5, "parse.field_count"), (6, "parse.field_count"),
                                           (7, "parse.key_not_numeric")]
    assert bad[0][2] == "expected 20 fields, found 23" and bad[1][2] == "expected 20 fields, found 4"
    assert bad[1][3] == "31$3$2$C"
    assert "primaryid" in bad[2][2]
    assert result.n_quarantined == 3


DRUG_HEADER_WITH_DOLLAR = (
    "primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$cum_dose_chr$cum_dose_unit$"
    "dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq$"
)


def test_faers_header_variants_2012q4_to_2014q2(con, tmp_path):
    """Early FAERS: DEMO has gndr_cod and no auth_num/lit_ref/age_grp; DRUG has lot_nbr and no prod_ai; REAC no
    drug_rec_act; 2012Q4 OUTC says outc_code. File names in lower case, folder ascii/."""
    demo_h = ("primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$mfr_num$mfr_sndr$"
              "age$age_cod$gndr_cod$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country$occr_country")
    drug_h = ("primaryid$caseid$drug_seq$role_cod$drugname$val_vbm$route$dose_vbm$cum_dose_chr$cum_dose_unit$"
              "dechal$rechal$lot_nbr$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq")
    demo = ["811$81$1$I$20121001$$20121101$20121101$EXP$M-1$ACME$52$YR$M$Y$80$KG$20121101$$MD$US$US$"]
    drug = ["811$81$1$PS$CAMPATH$1$IV$$$$U$U$LOT42$$$$$$$"]
    yy = "12"
    with zipfile.ZipFile(tmp_path / "faers_ascii_2012q4.zip", "w") as zf:
        zf.writestr(f"ascii/demo{yy}q4.txt", demo_h + "$\n" + "\n".join(demo) + "\n")
        zf.writestr(f"ascii/drug{yy}q4.txt", drug_h + "$\n" + "\n".join(drug) + "\n")
        zf.writestr(f"ascii/reac{yy}q4.txt", "primaryid$caseid$pt$\n811$81$Pyrexia$\n")
        zf.writestr(f"ascii/outc{yy}q4.txt", "primaryid$caseid$outc_code$\n811$81$HO$\n")
    (result,) = ingest_path(con, tmp_path / "faers_ascii_2012q4.zip")
    assert result.quarter == "2012Q4" and result.n_quarantined == 0
    assert con.execute("select sex, auth_num, age_grp from raw_demo").fetchall() == [("M", None, None)]
    assert con.execute("select lot_num, prod_ai from raw_drug").fetchall() == [("LOT42", None)]
    assert con.execute("select pt, drug_rec_act from raw_reac").fetchall() == [("Pyrexia", None)]
    assert con.execute("select outc_cod from raw_outc").fetchall() == [("HO",)]
    assert con.execute("select format from ingest_log").fetchall() == [("faers_ascii",)]


def test_2018q1_new_demo_file_and_deleted_list(con, tmp_path):
    old = "\n".join([DEMO_HEADER_D, demo_row(11, 1, 1)]) + "\n"
    new = "\n".join([DEMO_HEADER_D, demo_row(11, 1, 1), demo_row(21, 2, 1)]) + "\n"
    with zipfile.ZipFile(tmp_path / "faers_ascii_2018q1.zip", "w") as zf:
        zf.writestr("ASCII/DEMO18Q1.txt", old)
        zf.writestr("ASCII/DEMO18Q1_new.txt", new)
        zf.writestr("ASCII/DRUG18Q1.txt", DRUG_HEADER_WITH_DOLLAR + "\n" + drug_row(11, 1, 1, "PS", "X") + "\n")
        zf.writestr("ASCII/REAC18Q1.txt", "primaryid$caseid$pt$drug_rec_act$\n11$1$Rash$$\n")
        zf.writestr("Deleted/DELETE18Q1.txt", "123\n456\r\nnot-a-case\n")
    (result,) = ingest_path(con, tmp_path / "faers_ascii_2018q1.zip", max_bad_rate=1.0)
    assert result.rows["demo"] == 2          # the _new file wins
    assert sorted(con.execute("select caseid from raw_deleted_case").fetchall()) == [("123",), ("456",)]
    assert con.execute("select raw_text, table_name from quarantine").fetchall() == [("not-a-case", "raw_deleted_case")]


DEMO_HEADER_D = (
    "primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num$mfr_num$"
    "mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country$"
    "occr_country$"
)


def test_unknown_columns_are_kept_as_json(con, tmp_path):
    path = write_quarter(tmp_path / "q.zip", "2020Q1", {
        "DEMO": [demo_row(11, 1, 1)],
        "DRUG": [drug_row(11, 1, 1, "PS", "X")],
        "REAC": ["11$1$Rash$$NEWVALUE$"],
    }, headers={"REAC": "primaryid$caseid$pt$drug_rec_act$new_col"})
    ingest_path(con, path)
    assert json.loads(con.execute("select extra_fields from raw_reac").fetchall()[0][0]) == {"new_col": "NEWVALUE"}


# --- refusals leave the database unchanged -----------------------------------------------------------------


def _loaded_db(con):
    ingest_path(con, FAERS_2017Q2)
    return snapshot(con)


def test_truncated_zip_is_refused(con, tmp_path):
    before = _loaded_db(con)
    data = AERS_2004Q1.read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputRefused, match="cut.zip: not a zip archive \\(or a truncated one\\)"):
        ingest_path(con, tmp_path / "cut.zip")
    assert snapshot(con) == before


def test_corrupt_member_is_refused(con, tmp_path):
    before = _loaded_db(con)
    path = simple_quarter(tmp_path / "q.zip", cases=[(1, 1), (2, 1)])
    data = bytearray(path.read_bytes())
    # flip bytes inside the first member's compressed data -> CRC or inflate error when read
    offset = 30 + len("ASCII/DEMO19Q1.txt") + 10
    data[offset:offset + 8] = b"\x00" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(InputRefused, match="corrupt or truncated"):
        ingest_path(con, path)
    assert snapshot(con) == before


def test_member_escaping_the_archive_is_refused(con, tmp_path):
    path = simple_quarter(tmp_path / "q.zip", extra_members={"../../etc/evil.txt": b"x"})
    with pytest.raises(InputRefused, match="points outside the archive"):
        ingest_path(con, path)


def test_zip_bomb_is_refused(con, tmp_path):
    path = simple_quarter(tmp_path / "q.zip", extra_members={"ASCII/padding.txt": b"0" * (60 * 1024 * 1024)})
    with pytest.raises(InputRefused, match="zip bomb"):
        ingest_path(con, path)


def test_wrong_table_under_the_right_name_is_refused(con, tmp_path):
    before = _loaded_db(con)
    reac_text = b"primaryid$caseid$pt$drug_rec_act$\n11$1$Rash$$\n"
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1)], "DRUG": reac_text, "REAC": [reac_row(11, 1, "Rash")]})
    with pytest.raises(InputRefused, match=r"DRUG19Q1.txt: the header has no drug_seq, role_cod, drugname column"):
        ingest_path(con, path)
    assert snapshot(con) == before


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_empty_file_is_refused(con, tmp_path, content):
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": content, "DRUG": [drug_row(11, 1, 1, "PS", "X")], "REAC": [reac_row(11, 1, "Rash")]})
    with pytest.raises(InputRefused, match="DEMO19Q1.txt: the file is empty"):
        ingest_path(con, path)
    assert count(con, "ingest_log") == 0


def test_header_only_file_loads_zero_rows(con, tmp_path):
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1)], "DRUG": [drug_row(11, 1, 1, "PS", "X")], "REAC": [reac_row(11, 1, "Rash")],
        "OUTC": []})
    (result,) = ingest_path(con, path)
    assert result.rows["outc"] == 0 and result.rows["demo"] == 1


def test_quarter_without_reac_is_refused(con, tmp_path):
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": [demo_row(11, 1, 1)], "DRUG": [drug_row(11, 1, 1, "PS", "X")]})
    with pytest.raises(InputRefused, match="2019Q1 has no REAC file"):
        ingest_path(con, path)


def test_not_a_zip_and_missing_path(con, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputRefused, match="not a zip archive"):
        ingest_path(con, tmp_path / "notes.txt")
    with pytest.raises(InputRefused, match="no such file or folder"):
        ingest_path(con, tmp_path / "nowhere.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputRefused, match="no FAERS/AERS quarterly files found"):
        ingest_path(con, tmp_path / "empty")


def test_a_folder_loads_quarter_by_quarter_reading_the_next_one_ahead(con, tmp_path, monkeypatch):
    """The next quarter's files are parsed while the current one is written: a file of the second quarter that
    cannot be read is refused when its turn comes, after the first quarter has committed; a quarter already
    loaded is not read again."""
    folder = tmp_path / "zips"
    folder.mkdir()
    simple_quarter(folder / "faers_ascii_2019q1.zip", "2019Q1", cases=[(1, 1)])
    reac_text = b"primaryid$caseid$pt$drug_rec_act$\n21$2$Rash$$\n"
    write_quarter(folder / "faers_ascii_2019q2.zip", "2019Q2", {
        "DEMO": [demo_row(21, 2, 1)], "DRUG": reac_text, "REAC": [reac_row(21, 2, "Rash")]})
    parsed = []
    real_parse = faers_module.parse_quarter
    monkeypatch.setattr(faers_module, "parse_quarter",
                        lambda source, *a, **k: parsed.append(source.quarter) or real_parse(source, *a, **k))
    with pytest.raises(InputRefused, match=r"DRUG19Q2.txt: the header has no drug_seq"):
        ingest_path(con, folder)
    assert con.execute("select quarter, status from ingest_log").fetchall() == [("2019Q1", "loaded")]
    assert count(con, "raw_demo") == 1 and sorted(parsed) == ["2019Q1", "2019Q2"]
    write_quarter(folder / "faers_ascii_2019q2.zip", "2019Q2", {
        "DEMO": [demo_row(21, 2, 1)], "DRUG": [drug_row(21, 2, 1, "PS", "X")], "REAC": [reac_row(21, 2, "Rash")]})
    parsed.clear()
    results = ingest_path(con, folder)
    assert [(r.quarter, r.status) for r in results] == [("2019Q1", "skipped"), ("2019Q2", "loaded")]
    assert parsed == ["2019Q2"] and count(con, "raw_demo") == 2


# --- re-issue and interrupted loads --------------------------------------------------------------------------


def test_reissued_quarter_replaces_the_old_one_in_one_step(con, tmp_path):
    first = simple_quarter(tmp_path / "a" / "faers_ascii_2019q1.zip", cases=[(1, 1), (2, 1)], pts=("Rash",)) \
        if (tmp_path / "a").mkdir() is None else None
    (r1,) = ingest_path(con, first)
    (tmp_path / "b").mkdir()
    second = simple_quarter(tmp_path / "b" / "faers_ascii_2019q1.zip", cases=[(1, 1), (2, 1), (3, 1)],
                            pts=("Rash", "Nausea"))
    (r2,) = ingest_path(con, second)
    assert r2.status == "replaced" and "replaced load(s) 1" in r2.message
    assert count(con, "raw_demo") == 3 and count(con, "raw_reac") == 6
    assert con.execute("select distinct load_id from raw_demo").fetchall() == [(r2.load_id,)]
    log = con.execute("select load_id, status, superseded_by from ingest_log order by load_id").fetchall()
    assert log == [(r1.load_id, "superseded", r2.load_id), (r2.load_id, "loaded", None)]


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_interrupted_load_leaves_the_database_as_it_was(con, tmp_path, monkeypatch, exc):
    before = _loaded_db(con)
    calls = {"n": 0}
    real_append = faers_module._append

    def failing_append(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:   # after DEMO and DRUG were written
            raise exc("stopped half-way")
        return real_append(*args, **kwargs)

    monkeypatch.setattr(faers_module, "_append", failing_append)
    with pytest.raises(exc):
        ingest_path(con, AERS_2004Q1)
    assert calls["n"] == 3
    assert snapshot(con) == before
    monkeypatch.setattr(faers_module, "_append", real_append)
    (result,) = ingest_path(con, AERS_2004Q1)     # and the same load then goes through
    assert result.status == "loaded" and result.rows["drug"] == 386


def test_interrupted_reissue_keeps_the_previous_quarter(con, tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ingest_path(con, simple_quarter(tmp_path / "a" / "q.zip", cases=[(1, 1)]))
    before = snapshot(con)
    monkeypatch.setattr(faers_module, "_quarantine", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        ingest_path(con, simple_quarter(tmp_path / "b" / "q.zip", cases=[(1, 1), (2, 1)]))
    assert snapshot(con) == before
    assert con.execute("select status from ingest_log").fetchall() == [("loaded",)]


def test_file_values_are_never_sql(con, tmp_path):
    evil = "x'); drop table raw_demo; --"
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1)], "DRUG": [drug_row(11, 1, 1, "PS", evil)], "REAC": [reac_row(11, 1, evil)]})
    ingest_path(con, path)
    assert con.execute("select drugname from raw_drug").fetchall() == [(evil,)]
    assert count(con, "raw_demo") == 1


def test_outcome_rows_load(con, tmp_path):
    path = write_quarter(tmp_path / "q.zip", "2019Q1", {
        "DEMO": [demo_row(11, 1, 1)], "DRUG": [drug_row(11, 1, 1, "PS", "X")], "REAC": [reac_row(11, 1, "Rash")],
        "OUTC": [outc_row(11, 1, "HO"), outc_row(11, 1, "DE")]})
    (result,) = ingest_path(con, path)
    assert result.rows["outc"] == 2


# --- report-level CSV --------------------------------------------------------------------------------------------


def caers_as_report_csv(tmp_path):
    text = CAERS_ROWS.read_text()
    header, rest = text.split("\n", 1)
    assert header.strip() == "id,var1,var2,strat1"
    path = tmp_path / "caers.csv"
    path.write_text("report_id,drug,event,sex\n" + rest)
    return path


def test_report_csv_loads_caers_rows(con, tmp_path):
    path = caers_as_report_csv(tmp_path)
    result = ingest_report_csv(con, path, source_name="caers")
    assert result.status == "loaded" and result.rows == {"report_rows": 20156} and result.n_quarantined == 0
    stats = con.execute(
        "select count(distinct report_id), count(distinct drug), count(distinct event) from raw_report_csv"
    ).fetchall()
    assert stats == [(3356, 2874, 1328)]
    assert ingest_report_csv(con, path, source_name="caers").status == "skipped"


def test_report_csv_refuses_missing_columns_and_quarantines_bad_rows(con, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,drug,event\n1,A,B\n")
    with pytest.raises(InputRefused, match="missing required column\\(s\\) report_id"):
        ingest_report_csv(con, bad)
    rows = tmp_path / "rows.csv"
    rows.write_text("report_id,drug,event,role,sex\n1,A,B,PS,F\n2,,B,PS,F\n3,A,B,XX,M\n4,A,\"multi\nline\",,M\n")
    result = ingest_report_csv(con, rows)
    assert result.rows == {"report_rows": 2} and result.n_quarantined == 2
    q = con.execute("select line_no, check_name, reason from quarantine order by line_no").fetchall()
    assert q == [(3, "csv.required_value", "drug is empty"), (4, "csv.role_code", "role 'XX' is not one of PS, SS, C, I")]


def test_changed_report_csv_replaces_its_source_only_when_asked(con, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("report_id,drug,event\n1,A,B\n")
    ingest_report_csv(con, path, source_name="s1")
    path.write_text("report_id,drug,event\n1,A,B\n2,A,C\n")
    result = ingest_report_csv(con, path, source_name="s1")
    assert result.status == "loaded" and count(con, "raw_report_csv") == 3     # beside it, never silently replaced
    path.write_text("report_id,drug,event\n1,A,B\n2,A,C\n3,A,D\n")
    result = ingest_report_csv(con, path, source_name="s1", replace=True)
    assert result.status == "replaced" and "replaced load 1 (r.csv), load 2 (r.csv)" in result.message
    assert count(con, "raw_report_csv") == 3


def test_dollar_parser_counts_fields_with_trailing_dollar():
    from pv.ingest.dollar import parse_dollar_file

    data = io.BytesIO()
    data.write(b"ISR$PT\n1$Rash$\n2$Fever\n3$A$B$\n")
    parsed = parse_dollar_file(data.getvalue(), "reac", "REAC.TXT", ["primaryid", "caseid", "pt", "drug_rec_act",
                                                                       "extra_fields"])
    assert parsed.table.column("pt").to_pylist() == ["Rash", "Fever"]
    assert parsed.table.column("caseid").to_pylist() == [None, None]
    assert [(b.line_no, b.reason) for b in parsed.bad_rows] == [(4, "expected 2 fields, found 3")]


@pytest.mark.parametrize("zip_name", ["faers_ascii_2017q2.zip", "aers_ascii_2004q1.zip"])
def test_native_reader_gives_the_careful_parsers_table_on_real_files(zip_name, monkeypatch):
    """The fast path (pyarrow's CSV reader) must read a clean real file exactly as the line-by-line parser does,
    and must be the path taken for it; a file with anything to repair goes the careful way (the next test)."""
    import duckdb

    from pv import db
    from pv.ingest import dollar
    from pv.ingest.faers import LINEAGE, ensure_schema
    from pv.ingest.layout import KINDS, RAW_TABLE
    from pv.ingest.sources import discover

    con = duckdb.connect()
    ensure_schema(con)
    (source,) = discover(FIXTURES / "faers_excerpts" / zip_name)
    careful_only = dollar._read_clean
    n_native = 0
    for kind in (k for k in KINDS if k in source.members):
        columns = [c for c in db.table_columns(con, RAW_TABLE[kind]) if c not in (*LINEAGE, "line_no")]
        data, label = source.read(kind), source.label(kind)
        n_native += careful_only(data, kind, label) is not None
        native = dollar.parse_dollar_file(data, kind, label, columns)
        monkeypatch.setattr(dollar, "_read_clean", lambda *_args: None)
        careful = dollar.parse_dollar_file(data, kind, label, columns)
        monkeypatch.setattr(dollar, "_read_clean", careful_only)
        assert native.table.num_rows > 0 and native.table.equals(careful.table), label
        assert (native.header, native.mapped, native.bad_rows) == (careful.header, careful.mapped, careful.bad_rows)
    assert n_native == len([k for k in KINDS if k in source.members])


@pytest.mark.parametrize("body", [
    b"1$1$Rash$\n2$2$Fever\n",                       # one row without the trailing $ the first row has
    b"1$1$Rash$\n\n2$2$Fever$\n",                   # a blank line
    b"1$1$Rash$\n2$2$Fi\xe8vre$\n",                 # latin-1
    b"1$1$Rash$\n2$2$Fe\rver$\n",                   # a lone carriage return inside a value
    b"1$1$Ra\n$\n2$2$Fever$\n",                     # a line broken by an embedded newline
    b"1$1$Rash$\nx$2$Fever$\n",                     # a key that is not a number
])
def test_files_with_anything_to_repair_give_the_careful_parsers_result(body, monkeypatch):
    from pv.ingest import dollar

    data = b"primaryid$caseid$pt$\n" + body
    columns = ["primaryid", "caseid", "pt", "drug_rec_act", "extra_fields"]
    native = dollar.parse_dollar_file(data, "reac", "REAC.TXT", columns)
    monkeypatch.setattr(dollar, "_read_clean", lambda *_args: None)
    careful = dollar.parse_dollar_file(data, "reac", "REAC.TXT", columns)
    assert native.table.equals(careful.table)
    assert (native.bad_rows, native.n_rejoined, native.n_latin1_lines) == \
        (careful.bad_rows, careful.n_rejoined, careful.n_latin1_lines)
