"""Non-clinical event terms (config ``exclude_events``): the bundled list in
``categories/non_clinical_events.yaml`` expanded into the temp table ``excluded_pt`` (one row per PT of
``case_event`` to drop from scoring). With MedDRA: every PT under the listed SOCs, HLGTs and HLTs (any path) and
the listed PTs; without: the listed PTs, by text."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from pv import db
from pv.categorize import default_path
from pv.errors import PvError

FILE = "non_clinical_events.yaml"


def exclusion_file() -> Path:
    return default_path().parent / FILE


def load(path: str | Path | None = None) -> dict:
    path = Path(path) if path else exclusion_file()
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not any(doc.get(k) for k in ("socs", "hlgts", "hlts", "pts")):
        raise PvError(f"{path}: expected socs, hlgts, hlts and pts lists of MedDRA names.")
    return {"name": str(doc.get("name", path.stem)), "version": str(doc.get("version", "")), "path": str(path),
            **{k: [" ".join(str(x).split()) for x in doc.get(k) or []] for k in ("socs", "hlgts", "hlts", "pts")}}


def install(con: duckdb.DuckDBPyConnection, enabled: bool, meddra_version: str | None) -> dict:
    """Build ``excluded_pt`` (empty unless ``enabled``); returns what was excluded and what was not found."""
    spec = load()
    db.execute(con, "analytics/excluded_pt", {"enabled": enabled, "version": meddra_version, "socs": spec["socs"],
                                              "hlgts": spec["hlgts"], "hlts": spec["hlts"], "pts": spec["pts"]})
    n_pts, n_rows = db.one(con, "select count(*), coalesce(sum(n_cases), 0) from excluded_pt")
    return {"enabled": enabled, "file": spec["path"], "version": spec["version"], "n_pts": n_pts,
            "n_case_events": int(n_rows), "meddra_version": meddra_version}
