"""Signal reports: the numbers in every format against the database, provenance, reproducibility, edge cases."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pv import runs
from pv.config import PvConfig
from pv.errors import PvError
from pv.ingest import ingest_report_csv
from pv.report import build_report

SAMPLE = Path(__file__).parent.parent / "sample_data"


def complete_a_run(con, cfg: PvConfig) -> int:
    return runs.run_in_process(con, cfg)


@pytest.fixture(scope="module")
def sample_db(demo_run):
    """The demo: sample_data/ run with sample_data/pv.toml (conftest.demo_run, shared with test_demo.py)."""
    return demo_run


@pytest.fixture(scope="module")
def report(sample_db, tmp_path_factory):
    con, run_id = sample_db
    return build_report(con, tmp_path_factory.mktemp("out"), run=run_id, drugs=["ALEMTUZUMAB"])


def db_signals(con, run_id):
    return con.execute("select level, event, a, prr, ror_lower, eb05 from signal where run_id = $r and drug = "
                       "'ALEMTUZUMAB' order by level, event", {"r": run_id}).fetchall()


def test_every_format_is_written_with_a_manifest(report):
    names = sorted(p.name for p in report.files)
    assert names == ["backgrounds.csv", "category_terms.csv", "data_quality.csv", "heterogeneity.csv", "lab_grades.csv", "line_listing.csv",
                     "manifest.json",
                     "masking.csv", "onset.csv", "parameters.csv", "scores.csv",
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
    assert sheets == ["signals", "scores", "line_listing", "data_quality", "category_terms", "heterogeneity",
                      "onset", "masking", "backgrounds", "lab_grades", "parameters"]
    listing = pd.read_csv(report.out_dir / "line_listing.csv")
    n_cases = con.execute("select count(distinct case_id) from case_line_listing l semi join (select level, drug, event "
                          "from signal where run_id = $r and drug = 'ALEMTUZUMAB') using (level, drug, event)",
                          {"r": run_id}).fetchall()[0][0]
    assert len(listing) == n_cases and listing["case_id"].is_unique
    # the report's own listing query against the analysts' view, case by case
    view = con.execute("select case_id, any_value(array_to_string(pts, '; ')), any_value(array_to_string(suspect_drugs, "
                       "'; ')), any_value(array_to_string(concomitant_drugs, '; ')) from case_line_listing "
                       "where drug = 'ALEMTUZUMAB' group by case_id").fetchall()
    by_case = {r[0]: r[1:] for r in view}
    for row in listing.itertuples():
        pts, suspect, concomitant = by_case[str(row.case_id)]
        assert (row.pts, row.suspect_drugs) == (pts, suspect)
        assert (None if pd.isna(row.concomitant_drugs) else row.concomitant_drugs) == (concomitant or None)


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
                    "6. Limitations of spontaneous-report data", "Appendix A: case line listing"):
        assert section in html and section in pdf
    plots = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,', html)
    assert sum(a.startswith("Forest plot") for a in plots) >= 3        # one per category with events
    assert sum(a.startswith("Time trends") for a in plots) >= 1         # small multiples, six signals a figure
    assert all(e in " ".join(plots) for _, e, *_ in db_signals(con, run_id) if "'" not in e)
    assert "Page 1 of" in pdf


def _pdf_pages(path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(p.extract_text().split()) for p in PdfReader(path).pages]


def test_pdf_pages_numbered_through_and_every_listed_case_in_it(report):
    """The PDF is rendered in parts side by side and joined: the numbering must run through the whole file, the
    bookmarks must cover body and appendix, and every case of the listing must be in it."""
    from pypdf import PdfReader

    pages = _pdf_pages(report.out_dir / "signal_report.pdf")
    n = len(pages)
    for i, text in enumerate(pages, start=1):
        assert text.endswith(f"Page {i} of {n}"), (i, text[-60:])
    titles = [o.title for o in PdfReader(report.out_dir / "signal_report.pdf").outline if not isinstance(o, list)]
    assert titles[0] == "Signal detection report" and titles[-1].startswith("Appendix A: case line listing")
    listing = pd.read_csv(report.out_dir / "line_listing.csv", dtype=str)
    appendix = " ".join(pages[next(i for i, t in enumerate(pages) if t.startswith("Appendix A")):])
    assert all(f"{case} (" in appendix for case in listing["case_id"])
    assert " nan " not in appendix and "| nan" not in appendix


def _pdf_parts(path):
    """The body's page texts (without page numbers) and the appendix's (case id, version) sequence."""
    pages = _pdf_pages(path)
    start = next(i for i, t in enumerate(pages) if t.startswith("Appendix A"))
    body = [re.sub(r"Page \d+ of \d+$", "", t) for t in pages[:start]]
    cases = re.findall(r"(?:^| )(\S+) \((\d+|–)\) ", " ".join(pages[start:]))
    return body, cases


def test_pdf_rendered_in_one_process_says_the_same(sample_db, report, monkeypatch, tmp_path):
    con, run_id = sample_db
    monkeypatch.setenv("PV_REPORT_PARALLEL", "0")
    build_report(con, tmp_path, run=run_id, drugs=["ALEMTUZUMAB"], formats=("pdf",))
    body, cases = _pdf_parts(report.out_dir / "signal_report.pdf")
    body_1, cases_1 = _pdf_parts(tmp_path / "signal_report.pdf")
    assert body == body_1
    listing = pd.read_csv(report.out_dir / "line_listing.csv", dtype=str)
    assert [c for c, _ in cases] == [c for c, _ in cases_1] == list(listing["case_id"])


def test_trend_figures_drawn_by_two_processes_are_those_drawn_by_one(sample_db, report, monkeypatch, tmp_path):
    # the report's time trends are drawn half by a worker process, half by the report's (pv.report.pdf.
    # BackgroundTrendFigures): the same images, in the same order, as drawn all in one process
    import re

    con, run_id = sample_db
    pattern = re.compile(r'<img alt="Time trends for [^"]*" src="[^"]*">')
    together = pattern.findall((report.out_dir / "signal_report.html").read_text(encoding="utf-8"))
    assert len(together) >= 2                         # at least one figure from each process
    monkeypatch.setenv("PV_REPORT_PARALLEL", "0")
    build_report(con, tmp_path, run=run_id, drugs=["ALEMTUZUMAB"], formats=("html",))
    assert pattern.findall((tmp_path / "signal_report.html").read_text(encoding="utf-8")) == together


def test_appendix_parts_cut_evenly_and_continue_their_drug():
    from pv.report.render import appendix_chunks

    sections = [{"drug": "A", "line_listing": [{"case_id": i} for i in range(5)]},
                {"drug": "B", "line_listing": []},
                {"drug": "C", "line_listing": [{"case_id": 10 + i} for i in range(3)]}]
    parts = appendix_chunks(sections, 3)
    flat = [(a["drug"], a["continued"], [r["case_id"] for r in a["rows"]]) for part in parts for a in part]
    # nine rows (B's empty listing counts as one) in three parts of three
    assert flat == [("A", False, [0, 1, 2]), ("A", True, [3, 4]), ("B", False, []), ("C", False, [10, 11, 12])]
    flat = [(a["drug"], a["continued"], [r["case_id"] for r in a["rows"]])
            for part in appendix_chunks(sections, 2) for a in part]
    assert flat == [("A", False, [0, 1, 2, 3, 4]), ("B", False, []), ("C", False, [10, 11, 12])]
    assert all(a["n_cases"] == {"A": 5, "B": 0, "C": 3}[a["drug"]] for part in parts for a in part)
    assert appendix_chunks(sections, 1)[0][0]["rows"] == sections[0]["line_listing"]
    assert len(appendix_chunks([{"drug": "A", "line_listing": []}], 4)) == 1


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


def test_subgroup_heterogeneity_is_recorded_from_the_subgroup_tables(sample_db):
    from pv.stats.heterogeneity import woolf_test

    con, run_id = sample_db
    het = con.execute("select level, drug, event, subgroup_kind, n_subgroups, q, p_value, is_heterogeneous "
                      "from signal_subgroup_heterogeneity where run_id = $r", {"r": run_id}).df()
    assert len(het) > 100 and het["p_value"].notna().sum() > 100
    assert (het["is_heterogeneous"] == (het["p_value"] < 0.05)).all()
    # recomputed from the stored subgroup tables (unknown left out), for the alemtuzumab PT pairs by sex
    tables = con.execute("select level, drug, event, subgroup_kind, a, b, c, d from signal_subgroup where run_id = $r "
                         "and subgroup <> 'unknown' and subgroup_kind = 'sex' and level = 'pt'", {"r": run_id}).df()
    again = woolf_test(tables, ["level", "drug", "event", "subgroup_kind"]).set_index(["drug", "event"])
    stored = het[(het["subgroup_kind"] == "sex") & (het["level"] == "pt")].set_index(["drug", "event"])
    both = stored.join(again[["q"]].rename(columns={"q": "q_again"}), how="inner")
    assert len(both) > 20
    assert np.allclose(both["q"], both["q_again"], equal_nan=True)


def test_time_to_onset_follows_the_seeds_latencies(sample_db, report):
    """The sample data dates therapy starts as the seed describes latencies: infusion reactions within days of the
    infusion, thyroid autoimmunity months to years after a course. The report shows both, with the Weibull test."""
    onset = pd.read_csv(report.out_dir / "onset.csv").set_index(["level", "event"])
    infusion = onset.loc[("pt", "INFUSION RELATED REACTION")]
    thyroid = onset.loc[("subcategory", "autoimmunity / thyroid")]
    assert infusion["q3_days"] <= 2 and infusion["n"] >= 10                 # within days of the infusion
    assert thyroid["median_days"] > 180 and thyroid["n"] >= 10                 # months to years after a course
    assert {infusion["hazard"], thyroid["hazard"]} <= {"decreasing", "constant", "increasing"}   # both fitted
    html = (report.out_dir / "signal_report.html").read_text()
    assert "Time to onset: ALEMTUZUMAB" in html and "Weibull shape k" in html
    listing = pd.read_csv(report.out_dir / "line_listing.csv")
    assert listing["onset_days"].notna().sum() > 0


def test_natalizumab_masks_alemtuzumabs_pml_in_the_sample_data(report):
    """Natalizumab's many PML reports fill the event's background and hide alemtuzumab's: not a signal with them,
    a PRR of 50 without them."""
    masking = pd.read_csv(report.out_dir / "masking.csv")
    pml = masking[(masking["level"] == "pt") & (masking["event"] == "PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY")]
    top = pml.sort_values("masking_ratio", ascending=False).iloc[0]
    assert top["masking_drug"] == "NATALIZUMAB" and top["masked"]          # masked: not a signal of the run
    assert top["prr"] < 2.5 and top["prr_unmasked"] > 20 and top["masking_ratio"] > 10
    assert "Masking: ALEMTUZUMAB" in (report.out_dir / "signal_report.html").read_text()
