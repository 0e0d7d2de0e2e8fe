"""Signal reports: the numbers in every format against the database, provenance, reproducibility, edge cases."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pv import runs
from pv.config import PvConfig
from pv.errors import PvError
from pv.ingest import ingest_path, ingest_report_csv
from pv.report import build_report

SAMPLE = Path(__file__).parent.parent / "sample_data"


def complete_a_run(con, cfg: PvConfig) -> int:
    return runs.run_in_process(con, cfg)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "pv.duckdb"
    con = duckdb.connect(str(path))
    ingest_path(con, SAMPLE)
    run_id = complete_a_run(con, PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["eb05"]))
    yield con, run_id
    con.close()


@pytest.fixture(scope="module")
def report(sample_db, tmp_path_factory):
    con, run_id = sample_db
    return build_report(con, tmp_path_factory.mktemp("out"), run=run_id, drugs=["ALEMTUZUMAB"])


def db_signals(con, run_id):
    return con.execute("select level, event, a, prr, ror_lower, eb05 from signal where run_id = $r and drug = "
                       "'ALEMTUZUMAB' order by level, event", {"r": run_id}).fetchall()


def test_every_format_is_written_with_a_manifest(report):
    names = sorted(p.name for p in report.files)
    assert names == ["data_quality.csv", "line_listing.csv", "manifest.json", "parameters.csv", "scores.csv",
                     "signal_report.html", "signal_report.pdf", "signal_report.xlsx", "signals.csv"]
    manifest = json.loads((report.out_dir / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((report.out_dir / name).read_bytes()).hexdigest() == digest
    assert len(manifest["inputs"]) == 6 and all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["category_file"]["name"] == "alemtuzumab_review" and len(manifest["category_file"]["sha256"]) == 64
    assert manifest["software"]["duckdb"] and manifest["configuration"]["signal_criteria"] == ["eb05"]
    assert manifest["row_counts"]["case_report"] > 20_000


def test_csv_and_xlsx_numbers_match_the_database(sample_db, report):
    con, run_id = sample_db
    expected = db_signals(con, run_id)
    assert report.n_signals == len(expected) > 10
    csv = pd.read_csv(report.out_dir / "signals.csv").sort_values(["level", "event"]).reset_index(drop=True)
    xlsx = pd.read_excel(report.out_dir / "signal_report.xlsx", sheet_name="signals").sort_values(
        ["level", "event"]).reset_index(drop=True)
    for frame in (csv, xlsx):
        assert len(frame) == len(expected)
        for i, (level, event, a, prr, ror_lower, eb05) in enumerate(expected):
            row = frame.iloc[i]
            assert (row["level"], row["event"], row["a"]) == (level, event, a)
            assert row["prr"] == pytest.approx(prr, rel=1e-9)
            assert row["ror_lower"] == pytest.approx(ror_lower, rel=1e-9)
            assert row["eb05"] == pytest.approx(eb05, rel=1e-9)
    sheets = pd.ExcelFile(report.out_dir / "signal_report.xlsx").sheet_names
    assert sheets == ["signals", "scores", "line_listing", "data_quality", "parameters"]
    listing = pd.read_csv(report.out_dir / "line_listing.csv")
    n_cases = con.execute("select count(distinct case_id) from case_line_listing l semi join (select level, drug, event "
                          "from signal where run_id = $r and drug = 'ALEMTUZUMAB') using (level, drug, event)",
                          {"r": run_id}).fetchall()[0][0]
    assert len(listing) == n_cases and listing["case_id"].is_unique


def test_html_and_pdf_carry_the_same_numbers(sample_db, report):
    from pypdf import PdfReader

    con, run_id = sample_db
    html = (report.out_dir / "signal_report.html").read_text()
    pdf = " ".join(page.extract_text() for page in PdfReader(report.out_dir / "signal_report.pdf").pages)
    pdf = " ".join(pdf.split())
    for _level, event, _a, _prr, _ror_lower, eb05 in db_signals(con, run_id):
        shown = f"{eb05:.2f}" if abs(eb05) < 100 else f"{eb05:,.0f}"
        assert shown in html and shown in pdf, event
        assert event.split(" / ")[-1][:12].replace("'", "&#39;") in html
    for section in ("1. Methods", "2. Summary of signals: ALEMTUZUMAB", "5. Data quality",
                    "6. Limitations of spontaneous-report data", "Appendix: case line listing"):
        assert section in html and section in pdf
    plots = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,', html)
    assert sum(a.startswith("Forest plot") for a in plots) >= 3        # one per category with events
    assert sum(a.startswith("Time trends") for a in plots) >= 1         # small multiples, six signals a figure
    assert all(e in " ".join(plots) for _, e, *_ in db_signals(con, run_id) if "'" not in e)
    assert "Page 1 of" in pdf


def test_same_data_same_csvs(sample_db, report, tmp_path):
    con, run_id = sample_db
    again = build_report(con, tmp_path, run=run_id, drugs=["ALEMTUZUMAB"], formats=("csv",))
    for path in again.files:
        if path.suffix == ".csv":
            assert path.read_bytes() == (report.out_dir / path.name).read_bytes(), path.name


def test_a_drug_without_signals(sample_db, tmp_path):
    con, run_id = sample_db
    quiet = con.execute("select drug from drug_event_scores where drug not in (select drug from signal where run_id = $r) "
                        "group by drug order by count(*) desc limit 1", {"r": run_id}).fetchall()[0][0]
    result = build_report(con, tmp_path, run=run_id, drugs=[quiet], formats=("html", "csv"))
    assert result.n_signals == 0
    assert f"No drug–event pair meets the signal criteria for {quiet}" in (tmp_path / "signal_report.html").read_text()
    assert pd.read_csv(tmp_path / "signals.csv").empty


def test_unusual_names_and_errors(tmp_path):
    rows = ["report_id,drug,event,sex,age_years,received_date"]
    weird = 'CAFÉ-NOIR <B> & "CO" 5%/10ML'
    for i in range(1, 400):
        drug = weird if i % 4 == 0 else f"DRUG{i % 7}"
        event = "Rash & Itch <severe>" if (i % 4 == 0 and i % 8) or i % 10 == 1 else f"EVENT{i % 5}"
        rows.append(f'{i},"{drug.replace(chr(34), chr(34) * 2)}",{event},F,40,2020-0{1 + i % 6}-15')
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_report_csv(con, tmp_path / "r.csv", source_name="src")
    run_id = complete_a_run(con, PvConfig(drugs_of_interest=[weird], signal_criteria=["ror025"]))
    result = build_report(con, tmp_path / "out", run=run_id, drugs=[weird.lower()])
    html = (tmp_path / "out" / "signal_report.html").read_text()
    assert "CAFÉ-NOIR &lt;B&gt; &amp; &#34;CO&#34; 5%/10ML" in html and "<B>" not in html
    assert result.n_signals >= 1 and (tmp_path / "out" / "signal_report.pdf").stat().st_size > 10_000
    with pytest.raises(PvError, match="No scores for NOPE"):
        build_report(con, tmp_path / "x", run=run_id, drugs=["nope"])
    with pytest.raises(PvError, match="No signal run 99"):
        build_report(con, tmp_path / "x", run=99, drugs=[weird])
    with pytest.raises(PvError, match="--format doc is not one of"):
        build_report(con, tmp_path / "x", run=run_id, drugs=[weird], formats=("doc",))
