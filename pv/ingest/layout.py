"""FDA's quarterly file layout across eras: file kinds, header aliases, required columns, quarter names.

FAERS (2012Q4 on) and legacy AERS (2004Q1-2012Q3) ship the same seven files under different names and
headers. Everything here is data about that layout; the parser and loader use it, nothing else.
"""

from __future__ import annotations

import re

# File kind -> raw table.
KINDS = ("demo", "drug", "reac", "outc", "ther", "indi", "rpsr")
RAW_TABLE = {kind: f"raw_{kind}" for kind in KINDS}

# Header aliases (delivered name, lower-case) -> raw column, per kind. Names not listed map to themselves.
ALIASES: dict[str, dict[str, str]] = {
    "demo": {"isr": "primaryid", "case": "caseid", "gndr_cod": "sex", "i_f_cod": "i_f_code"},
    "drug": {"isr": "primaryid", "lot_nbr": "lot_num"},
    "reac": {"isr": "primaryid"},
    "outc": {"isr": "primaryid", "outc_code": "outc_cod"},
    "ther": {"isr": "primaryid", "drug_seq": "dsg_drug_seq"},
    "indi": {"isr": "primaryid", "drug_seq": "indi_drug_seq"},
    "rpsr": {"isr": "primaryid"},
}

# Columns a file must have (after aliasing) to be recognised as its kind. A file of the wrong table under the
# right name fails here and is refused whole.
REQUIRED: dict[str, tuple[str, ...]] = {
    "demo": ("primaryid", "caseid", "fda_dt"),
    "drug": ("primaryid", "drug_seq", "role_cod", "drugname"),
    "reac": ("primaryid", "pt"),
    "outc": ("primaryid", "outc_cod"),
    "ther": ("primaryid", "dsg_drug_seq", "start_dt"),
    "indi": ("primaryid", "indi_drug_seq", "indi_pt"),
    "rpsr": ("primaryid", "rpsr_cod"),
}

# Columns both eras deliver that the standardized layer uses. A file without one still loads (the values are
# unknown), but the load's warnings name the column, so nobody mistakes "not delivered" for "not reported".
EXPECTED: dict[str, tuple[str, ...]] = {
    "demo": ("caseversion", "event_dt", "age", "age_cod", "sex", "occp_cod", "rept_cod"),
    "drug": ("prod_ai",),
    "reac": (),
    "outc": (),
    "ther": ("end_dt",),
    "indi": (),
    "rpsr": (),
}
# Legacy AERS has no caseversion or prod_ai: their absence there is the era, not a defect.
NOT_IN_AERS = {"caseversion", "prod_ai"}

# Columns that must hold a whole number on every row; a row where they do not is quarantined.
NUMERIC_KEYS: dict[str, tuple[str, ...]] = {
    "demo": ("primaryid", "caseid"),
    **{kind: ("primaryid",) for kind in KINDS if kind != "demo"},
}

# DEMO17Q2.txt, DEMO18Q1_new.txt, drug04q1.TXT, DELETE19Q1.txt ...
MEMBER_RE = re.compile(r"^(demo|drug|reac|outc|ther|indi|rpsr|delete)(\d{2})q([1-4])(?:_new)?\.txt$", re.IGNORECASE)

# The member every zip written by `pv synth` carries: ingest records the load as synthetic demonstration data,
# `pv status`, the report and its manifest say so, and demo data is never mixed into a database of real reports
# unless asked. Matched in any letter case.
SYNTHETIC_MARKER = "PV_SYNTHETIC.txt"

# The R export of AERS files names the phantom column behind a trailing '$' v23, v3 ...
PHANTOM_RE = re.compile(r"^v\d+$")


def quarter_label(yy: str, q: str) -> str:
    """'17', '2' -> '2017Q2' (FAERS/AERS started in 2004; two-digit years are 20yy)."""
    return f"20{yy}Q{q}"


def era_of(quarter: str) -> str:
    """AERS up to 2012Q3, FAERS from 2012Q4."""
    return "aers_ascii" if quarter < "2012Q4" else "faers_ascii"


def detect_format(path) -> str | None:
    """openfda for ``*.json`` / ``*.json.zip``, e2b for ``*.xml`` / ``*.sgm`` / ``*.xml.zip``; None for anything else
    (FAERS's quarterly files are told by their member names, ``MEMBER_RE``)."""
    name = path.name.lower()
    if name.endswith((".json", ".json.zip")):
        return "openfda"
    if name.endswith((".xml", ".sgm", ".xml.zip")):
        return "e2b"
    return None
