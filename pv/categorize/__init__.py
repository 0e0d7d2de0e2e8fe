"""Event categories: a versioned, user-editable YAML file mapping MedDRA PTs to categories and subcategories.

``load(path)`` reads and checks the file; ``install(con, path)`` writes it to ``event_category_term`` (one row per
category x subcategory x term, with the file's name, version and SHA-256); ``check(con)`` compares it with the
PTs in ``case_event``. Matching uses the SQL macro ``pt_match_key`` (case, spacing, apostrophes, hyphens and
British/American spelling ignored).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from pv import db
from pv.errors import PvError

DEFAULT_FILE = "alemtuzumab_review.yaml"


def default_path() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent / "categories" / DEFAULT_FILE, here / "_categories" / DEFAULT_FILE):
        if candidate.exists():
            return candidate
    raise PvError("The default category file was not found; pass --categories PATH.")


@dataclass
class CategoryFile:
    path: Path
    name: str
    version: str
    sha256: str
    terms: pa.Table          # category, category_label, subcategory, subcategory_label, rationale, term
    keywords: pa.Table       # category, subcategory, keyword


def load(path: str | Path | None = None) -> CategoryFile:
    path = Path(path) if path else default_path()
    raw = path.read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PvError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(doc, dict):
        raise PvError(f"{path}: expected a mapping with name, version and categories at the top.")
    for key in ("name", "version", "categories"):
        if key not in doc:
            raise PvError(f"{path}: missing top-level key '{key}'.")
    rows, keywords = [], []
    seen_sub = set()
    for i, cat in enumerate(doc["categories"] or []):
        where = f"{path}: categories[{i}]"
        _require(cat, ("name", "subcategories"), where)
        for j, sub in enumerate(cat["subcategories"] or []):
            swhere = f"{where}.subcategories[{j}]"
            _require(sub, ("name", "terms", "rationale"), swhere)
            key = (cat["name"], sub["name"])
            if key in seen_sub:
                raise PvError(f"{swhere}: subcategory {cat['name']}/{sub['name']} is defined twice.")
            seen_sub.add(key)
            if not sub["terms"]:
                raise PvError(f"{swhere}: subcategory {sub['name']} has no terms.")
            for term in sub["terms"]:
                if not isinstance(term, str) or not term.strip():
                    raise PvError(f"{swhere}: every term must be a non-empty PT name (got {term!r}).")
                rows.append((cat["name"], cat.get("label", cat["name"]), sub["name"], sub.get("label", sub["name"]),
                             " ".join(str(sub["rationale"]).split()), " ".join(term.split())))
            for kw in sub.get("related_keywords") or []:
                keywords.append((cat["name"], sub["name"], str(kw).upper()))
    if not rows:
        raise PvError(f"{path}: no terms in any category.")
    cols = ["category", "category_label", "subcategory", "subcategory_label", "rationale", "term"]
    terms = pa.table({c: [r[k] for r in rows] for k, c in enumerate(cols)})
    kw = pa.table({c: pa.array([r[k] for r in keywords], pa.string())
                   for k, c in enumerate(["category", "subcategory", "keyword"])})
    return CategoryFile(path, str(doc["name"]), str(doc["version"]), hashlib.sha256(raw).hexdigest(), terms, kw)


def _require(node, keys, where):
    if not isinstance(node, dict):
        raise PvError(f"{where}: expected a mapping.")
    missing = [k for k in keys if k not in node]
    if missing:
        raise PvError(f"{where}: missing {', '.join(missing)}.")


def install(con: duckdb.DuckDBPyConnection, categories: CategoryFile) -> None:
    """Write the category file to ``event_category_term`` and ``event_category_keyword`` (replacing them)."""
    db.execute(con, "standardized/macros")
    con.register("incoming_terms", categories.terms)
    con.register("incoming_keywords", categories.keywords)
    try:
        db.execute(con, "analytics/event_category_term",
                   {"file_name": categories.name, "file_version": categories.version,
                    "file_sha256": categories.sha256, "file_path": str(categories.path)})
    finally:
        con.unregister("incoming_terms")
        con.unregister("incoming_keywords")


def check(con: duckdb.DuckDBPyConnection, categories: CategoryFile) -> dict:
    """PTs in the data that look related to a subcategory but are unmapped; mapped terms never seen."""
    install(con, categories)
    related = con.execute(db.statements("analytics/category_check_related")[0]).fetchall()
    unseen = con.execute(db.statements("analytics/category_check_unseen")[0]).fetchall()
    return {"related_unmapped": related, "mapped_unseen": unseen}
