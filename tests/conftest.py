"""Shared fixtures: in-memory DuckDB, the real excerpts, and a builder for small FAERS-format quarters."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
FAERS_2017Q2 = FIXTURES / "faers_excerpts" / "faers_ascii_2017q2.zip"
AERS_2004Q1 = FIXTURES / "faers_excerpts" / "aers_ascii_2004q1.zip"
CAERS_ROWS = FIXTURES / "caers" / "caers_report_rows.csv"

DEMO_HEADER = ("primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num$mfr_num$"
               "mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country$"
               "occr_country")
DRUG_HEADER = ("primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$cum_dose_chr$"
               "cum_dose_unit$dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq")
REAC_HEADER = "primaryid$caseid$pt$drug_rec_act"
OUTC_HEADER = "primaryid$caseid$outc_cod"


def demo_row(primaryid, caseid, version, fda_dt="20190115", *, age="40", age_cod="YR", sex="F", country="US",
             event_dt="20181201", init_fda_dt=None):
    fields = {"primaryid": primaryid, "caseid": caseid, "caseversion": version, "i_f_code": "I" if version == 1 else "F",
              "event_dt": event_dt, "init_fda_dt": init_fda_dt or fda_dt, "fda_dt": fda_dt, "rept_cod": "EXP",
              "age": age, "age_cod": age_cod, "sex": sex, "occp_cod": "MD", "reporter_country": country,
              "occr_country": country}
    return "$".join("" if fields.get(c) is None else str(fields.get(c)) for c in DEMO_HEADER.split("$")) + "$"


def drug_row(primaryid, caseid, seq, role, name, prod_ai=""):
    values = [primaryid, caseid, seq, role, name, prod_ai] + [""] * 14
    return "$".join(str(v) for v in values) + "$"


def reac_row(primaryid, caseid, pt):
    return f"{primaryid}${caseid}${pt}$$"


def outc_row(primaryid, caseid, code):
    return f"{primaryid}${caseid}${code}$"


def write_quarter(path: Path, quarter: str, files: dict[str, list[str] | bytes], *, folder="ASCII",
                  newline="\n", headers: dict[str, str] | None = None, extra_members: dict[str, bytes] | None = None) -> Path:
    """A zip in FDA's layout. ``files``: kind -> data lines (header added) or raw bytes (used as they are)."""
    yy, q = quarter[2:4], quarter[-1]
    default_headers = {"DEMO": DEMO_HEADER, "DRUG": DRUG_HEADER, "REAC": REAC_HEADER, "OUTC": OUTC_HEADER}
    headers = {**default_headers, **(headers or {})}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for kind, content in files.items():
            member = f"{folder}/{kind}{yy}Q{q}.txt"
            if isinstance(content, bytes):
                zf.writestr(member, content)
            else:
                text = newline.join([headers[kind] + "$", *content]) + newline
                zf.writestr(member, text.encode("utf-8"))
        for name, data in (extra_members or {}).items():
            zf.writestr(name, data)
    return path


def simple_quarter(path: Path, quarter: str = "2019Q1", cases=((1001, 1),), pts=("Nausea",), drug="LEMTRADA",
                   fda_dt="20190115", **kw) -> Path:
    """One report per (caseid, version), each with one drug and the given PTs."""
    demo_lines, drug_lines, reac_lines = [], [], []
    for caseid, version in cases:
        pid = caseid * 10 + version
        demo_lines.append(demo_row(pid, caseid, version, fda_dt))
        drug_lines.append(drug_row(pid, caseid, 1, "PS", drug))
        reac_lines.extend(reac_row(pid, caseid, pt) for pt in pts)
    return write_quarter(path, quarter, {"DEMO": demo_lines, "DRUG": drug_lines, "REAC": reac_lines}, **kw)


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def count(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]  # noqa: S608 (test helper, fixed names)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo as `python3 dev.py run` makes it: the sample quarters run with sample_data/pv.toml (backgrounds
    included). Read it, do not add runs to it: several test modules share it. Yields (connection, run id)."""
    from pv import runs
    from pv.config import load_config
    from pv.ingest import ingest_path

    sample = Path(__file__).parent.parent / "sample_data"
    con = duckdb.connect(str(tmp_path_factory.mktemp("demo") / "pv.duckdb"))
    ingest_path(con, sample)
    run_id = runs.run_in_process(con, load_config(sample / "pv.toml"))
    yield con, run_id
    con.close()
