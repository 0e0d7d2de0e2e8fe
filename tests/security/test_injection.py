"""Issue 16, item 5: names that begin like a formula never become one, in XLSX or CSV."""

from __future__ import annotations

import csv

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa

from pv import analyst, runs
from pv.config import PvConfig
from pv.ingest import ingest_report_csv
from pv.report import build_report
from pv.report.cells import neutralise_arrow, neutralise_frame

PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tTAB=1", "\rCR=1",
            '=cmd|"/c calc"!A0']


def test_text_cells_are_neutralised_numbers_are_not():
    frame = pd.DataFrame({"name": [*PAYLOADS, "ALEMTUZUMAB", None], "value": [-1.5] * 7 + [2.0, 3.0]})
    out = neutralise_frame(frame)
    assert list(out["name"][:7]) == ["'" + p for p in PAYLOADS]
    assert out["name"][7] == "ALEMTUZUMAB" and pd.isna(out["name"][8])
    assert list(out["value"]) == list(frame["value"])
    table = neutralise_arrow(pa.table({"name": [*PAYLOADS, "X"], "n": [-1] * 8}))
    assert table["name"].to_pylist() == ["'" + p for p in PAYLOADS] + ["X"]
    assert table["n"].to_pylist() == [-1] * 8


def test_report_xlsx_has_no_formula_and_csvs_are_neutralised(tmp_path):
    path = tmp_path / "evil.csv"
    lines = ["report_id,drug,event,role"]
    for i in range(60):     # the payload drug with a payload event, and a background
        lines.append(f'{i},"=HYPERLINK(""http://evil.example"",""x"")","@SUM(A1:A9)",PS')
        lines.append(f"{i},OTHERDRUG,Nausea,C")
    for i in range(60, 400):
        lines.append(f"{i},OTHERDRUG,{'Headache' if i % 2 else 'Nausea'},PS")
    path.write_text("\n".join(lines) + "\n")
    db = tmp_path / "pv.duckdb"
    with duckdb.connect(str(db)) as con:
        ingest_report_csv(con, path, source_name="evil")
        cfg = PvConfig(drugs_of_interest=['=HYPERLINK("HTTP://EVIL.EXAMPLE","X")'], report_formats=["csv", "xlsx"],
                       signal_criteria=["evans"])
        run_id = runs.run_in_process(con, cfg)
        result = build_report(con, tmp_path / "report", run=run_id, drugs=cfg.drugs_of_interest,
                              formats=("csv", "xlsx"))
    book = openpyxl.load_workbook(result.out_dir / "signal_report.xlsx")
    n_formulas = sum(1 for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f")
    assert n_formulas == 0
    texts = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(t.startswith("=HYPERLINK") for t in texts)          # kept as the text it is
    for name in ("scores.csv", "signals.csv", "line_listing.csv"):
        with open(result.out_dir / name, newline="") as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], name
        assert any(c.startswith("'=HYPERLINK") for c in cells), name


def test_query_export_flattens_lists_and_neutralises(tmp_path):
    table = pa.table({"drugs": pa.array([["=A1", "B"], None], pa.list_(pa.string())), "n": [1, -2]})
    out = analyst.export(table, "csv", tmp_path / "x.csv")
    assert out.read_text().splitlines() == ['"drugs","n"', '"\'=A1; B",1', ",-2"]
