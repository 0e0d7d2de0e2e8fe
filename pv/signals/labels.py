"""Labelled events: the reference safety information of each product (``labels`` in pv.toml; one YAML file per
product, see ``categories/labels/alemtuzumab.yaml``), and which of a run's signals it already names
(``signal_label``). A labelled signal concerns a known risk; by default only unlabelled signals need validation
(EMA GVP Module IX.B.3)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from pv import db
from pv.errors import PvError

KINDS = ("category", "subcategory", "pt", "hlt", "hlgt", "soc", "smq")


def default_paths() -> list[Path]:
    """The bundled label files (the demo's alemtuzumab RSI)."""
    here = Path(__file__).resolve().parent.parent
    for folder in (here.parent / "categories" / "labels", here / "_categories" / "labels"):
        if folder.is_dir():
            return sorted(folder.glob("*.yaml"))
    return []


def load(paths: list[str | Path]) -> list[dict]:
    """Every entry of the label files: drug, kind, name, source, label_date. A malformed file is refused with its
    name and the entry at fault."""
    rows = []
    for path in map(Path, paths):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PvError(f"Label file {path}: cannot be read ({exc.strerror}). Check `labels` in pv.toml.") from None
        except yaml.YAMLError as exc:
            raise PvError(f"Label file {path}: not valid YAML ({exc}).") from None
        if not isinstance(doc, dict) or not str(doc.get("drug") or "").strip() or not isinstance(doc.get("events"), list):
            raise PvError(f"Label file {path}: needs `drug: NAME`, `source`, `date` and a list `events:`.")
        for i, entry in enumerate(doc["events"], start=1):
            keys = list(entry) if isinstance(entry, dict) else []
            if len(keys) != 1 or keys[0] not in KINDS or not str(entry[keys[0]] or "").strip():
                raise PvError(f"Label file {path}: event {i} must name one of {', '.join(KINDS)} "
                              f"(e.g. `- pt: Hyperthyroidism`), found {entry!r}.")
            rows.append({"drug": str(doc["drug"]), "kind": keys[0], "name": str(entry[keys[0]]),
                         "source": str(doc.get("source") or path.name), "label_date": str(doc.get("date") or "")})
    return rows


def label_signals(con: duckdb.DuckDBPyConnection, run_id: int, paths: list[str | Path]) -> int:
    """Record which signals of run ``run_id`` the label files name (``signal_label``); returns how many."""
    terms = load(paths)
    schema = pa.schema([(c, pa.string()) for c in ("drug", "kind", "name", "source", "label_date")])
    con.register("label_term", pa.Table.from_pylist(terms, schema=schema))
    try:
        rows = db.query(con, "analytics/signal_label", {"run_id": run_id})
    finally:
        con.unregister("label_term")
    db.replace_run_rows(con, "signal_label", run_id, rows.drop(["run_id"]))
    return rows.num_rows
