"""Deterministic synthetic FAERS quarters in FDA's exact ASCII layout, for demos, tests and benchmarks.

``write_quarters`` writes one ``faers_ascii_YYYYqN.zip`` per quarter (``ASCII/DEMOyyQq.txt`` ... and, from
2019Q1, ``Deleted/DELETEyyQq.txt``), generated quarter by quarter with vectorized numpy, so memory is bounded
by one quarter whatever the total (``pv synth --reports 20000000``). The same arguments give byte-identical
zips.

What it models, so the later stages have something real to find:

* ~120 drugs (the brand names come from the committed synonym seed), MS disease-modifying therapies among
  them, with alemtuzumab (LEMTRADA/CAMPATH names) reported more often than most;
* reporting rates that follow the alemtuzumab review in the project's seed: thyroid autoimmunity (Graves'
  disease, hyper- and hypothyroidism), ITP, anti-GBM disease, infusion reactions, herpes/VZV infections,
  listeriosis, rare PML (strong for natalizumab), RCVS and stroke; a few known pairs for background drugs
  (statins and myalgia, ACE inhibitors and cough ...); every other PT is drawn independently of the drugs;
* FAERS's mess: follow-up versions of earlier cases, the same case sent twice under two caseids, deleted cases,
  missing ages and sexes, brand names, lower-case names, dose text in names, prod_ai missing on some rows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pv.ingest.layout import SYNTHETIC_MARKER
from pv.synth.model import (  # noqa: F401 (the model's names, as pv.synth always offered them)
    BACKGROUND_PT,
    DRUG_EVENT_RATE,
    DRUG_WEIGHT,
    INDICATION,
    Catalogue,
    catalogue,
    new_cases,
    quarter_range,
)
from pv.synth.versions import duplicates, follow_ups

DEMO_COLUMNS = ["primaryid", "caseid", "caseversion", "i_f_code", "event_dt", "mfr_dt", "init_fda_dt", "fda_dt",
                "rept_cod", "auth_num", "mfr_num", "mfr_sndr", "lit_ref", "age", "age_cod", "age_grp", "sex",
                "e_sub", "wt", "wt_cod", "rept_dt", "to_mfr", "occp_cod", "reporter_country", "occr_country"]
DRUG_COLUMNS = ["primaryid", "caseid", "drug_seq", "role_cod", "drugname", "prod_ai", "val_vbm", "route",
                "dose_vbm", "cum_dose_chr", "cum_dose_unit", "dechal", "rechal", "lot_num", "exp_dt", "nda_num",
                "dose_amt", "dose_unit", "dose_form", "dose_freq"]
FILE_COLUMNS = {
    "DEMO": DEMO_COLUMNS, "DRUG": DRUG_COLUMNS, "REAC": ["primaryid", "caseid", "pt", "drug_rec_act"],
    "OUTC": ["primaryid", "caseid", "outc_cod"], "RPSR": ["primaryid", "caseid", "rpsr_cod"],
    "THER": ["primaryid", "caseid", "dsg_drug_seq", "start_dt", "end_dt", "dur", "dur_cod"],
    "INDI": ["primaryid", "caseid", "indi_drug_seq", "indi_pt"],
}
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def _write_text(zf: zipfile.ZipFile, member: str, text: str) -> None:
    info = zipfile.ZipInfo(member, date_time=ZIP_DATE)     # a fixed date: the same arguments give the same zip
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def _write_member(zf: zipfile.ZipFile, member: str, df: pd.DataFrame, columns: list[str]) -> None:
    df = df.reindex(columns=columns)
    arrays = {}
    for c in columns:
        try:
            arrays[c] = pa.Array.from_pandas(df[c]).cast(pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):   # text and numbers mixed (follow-ups of a quarter read back)
            arrays[c] = pa.array(df[c].map(lambda v: None if v is None or v != v else str(v)), pa.string())
    arrays[""] = pa.nulls(len(df), pa.string())   # FDA's rows end in '$': an empty last field
    buf = io.BytesIO()
    buf.write(("$".join(columns) + "$\n").encode())
    pacsv.write_csv(pa.table(arrays), buf, pacsv.WriteOptions(include_header=False, delimiter="$", quoting_style="none"))
    info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, buf.getvalue())


def read_quarter(path: str | Path) -> dict[str, pd.DataFrame]:
    """A quarter written by :func:`write_quarters` read back (ids as integers, everything else as text)."""
    tables = {}
    with zipfile.ZipFile(path) as zf:
        for kind, columns in FILE_COLUMNS.items():
            member = next(n for n in zf.namelist() if Path(n).name.upper().startswith(kind))
            with zf.open(member) as f:
                frame = pd.read_csv(f, sep="$", dtype=str, keep_default_na=False, na_values=[""], quoting=3)
            frame = frame[columns].astype(object).where(frame[columns].notna(), None)
            for c in ("primaryid", "caseid", "caseversion"):
                if c in frame:
                    frame[c] = frame[c].astype(np.int64)
            tables[kind] = frame
    return tables


# Every zip carries pv.ingest.layout.SYNTHETIC_MARKER with this text, so that pv knows the data are synthetic
# wherever they go.
SYNTHETIC_NOTE = ("These quarterly files were generated by `pv synth`. They are synthetic demonstration data, not\n"
                  "FDA FAERS data: no report in them describes a real patient.\n")


def default_first_caseid(start: str) -> int:
    """The first caseid of a batch starting at ``start``: 10,000,000 for 2019Q1, then 10,000,000 further per
    quarter, so batches written from different start quarters never share caseids (a shared caseid would make
    the later batch's reports follow-up versions of the earlier one's)."""
    year, q = int(start[:4]), int(start[-1])
    return 10_000_000 * (1 + max(0, (year * 4 + q) - (2019 * 4 + 1)))


def write_quarters(
    out_dir: str | Path,
    reports: int,
    quarters: int,
    start: str = "2019Q1",
    seed: int = 20240101,
    progress: Callable[[str], None] | None = None,
    extra_drugs: int = 0,
    extra_pts: int = 0,
    first_caseid: int | None = None,
    follow_up_of: str | Path | None = None,
) -> list[Path]:
    """Write ``quarters`` zips holding about ``reports`` reports in all (initial versions + follow-ups).
    ``first_caseid`` lets a later batch of quarters continue an earlier one without reusing its caseids, and
    ``follow_up_of`` (that batch's last zip) gives the first new quarter follow-ups and deletions of its cases."""
    say = progress or (lambda _m: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cat = catalogue(seed, extra_drugs, extra_pts)
    per_quarter = max(1, reports // quarters)
    previous: dict[str, pd.DataFrame] | None = read_quarter(follow_up_of) if follow_up_of else None
    next_caseid = default_first_caseid(start) if first_caseid is None else first_caseid
    written = []
    for i, quarter in enumerate(quarter_range(start, quarters)):
        rng = np.random.default_rng([seed, i])
        n_follow = int(per_quarter * 0.10) if previous is not None else 0
        n_new = per_quarter - n_follow
        n_dup = max(1, int(n_new * 0.01))
        tables = new_cases(rng, cat, n_new - n_dup, quarter, next_caseid)
        next_caseid += n_new - n_dup
        dup = duplicates(rng, tables, n_dup / max(n_new - n_dup, 1), next_caseid)
        next_caseid += len(dup["DEMO"])
        parts = [tables, dup]
        if previous is not None:
            parts.append(follow_ups(rng, cat, previous, quarter, n_follow / max(len(previous["DEMO"]), 1)))
        merged = {k: pd.concat([p[k] for p in parts], ignore_index=True) for k in FILE_COLUMNS}
        yy, q = quarter[2:4], quarter[-1]
        path = out_dir / f"faers_ascii_{quarter.lower()}.zip"
        say(f"writing {path.name} ({len(merged['DEMO']):,} reports)")
        with zipfile.ZipFile(path, "w") as zf:
            for kind, columns in FILE_COLUMNS.items():
                _write_member(zf, f"ASCII/{kind}{yy}Q{q}.txt", merged[kind], columns)
            if quarter >= "2019Q1" and previous is not None:
                gone = previous["DEMO"]["caseid"].sample(frac=0.003, random_state=rng.integers(1 << 31))
                _write_text(zf, f"Deleted/DELETE{yy}Q{q}.txt", "".join(f"{c}\n" for c in sorted(gone.astype(str))))
            _write_text(zf, SYNTHETIC_MARKER, SYNTHETIC_NOTE)
        written.append(path)
        previous = merged
    return written
