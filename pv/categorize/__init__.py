"""Event categories: a versioned, user-editable YAML file grouping MedDRA terms into categories and subcategories.

``load(path)`` reads and checks the file (format 1: ``terms``; format 2: ``pts``, ``hlt``, ``hlgt``, ``smq``,
``exclude_pts``, optionally split into ``narrow`` and ``broad`` definitions) into one row per definition line.
``install(con, categories, version)`` expands it against MedDRA ``version`` (or, without MedDRA, keeps the
explicit PTs as text) into ``event_category_term``: one row per event x PT, in one place
(``sql/analytics/event_category_term.sql``). ``pv.categorize.check`` compares the file with MedDRA and the data.
Matching uses the SQL macro ``pt_match_key`` (case, spacing, apostrophes, hyphens and British/American spelling
ignored).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from pv import db
from pv.errors import PvError

DEFAULT_FILE = "alemtuzumab_review.yaml"
KINDS = {"pts": "pt", "terms": "pt", "hlt": "hlt", "hlgt": "hlgt", "smq": "smq", "exclude_pts": "exclude_pt"}
SCOPES = ("narrow", "broad")
DEFINITION_COLUMNS = ["category", "category_label", "subcategory", "subcategory_label", "rationale",
                      "corresponding_smq", "confounded_by_indication", "has_scopes", "scope", "kind", "name",
                      "smq_scope"]


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
    definitions: pa.Table    # one row per definition line (DEFINITION_COLUMNS)
    keywords: pa.Table       # category, subcategory, keyword
    warnings: list[str] = field(default_factory=list)


def _text(value) -> str:
    return " ".join(str(value).split())


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
    rows, keywords, seen_sub = [], [], set()
    for i, cat in enumerate(doc["categories"] or []):
        where = f"{path}: categories[{i}]"
        _require(cat, ("name", "subcategories"), where)
        for j, sub in enumerate(cat["subcategories"] or []):
            swhere = f"{where}.subcategories[{j}]"
            _require(sub, ("name", "rationale"), swhere)
            key = (cat["name"], sub["name"])
            if key in seen_sub:
                raise PvError(f"{swhere}: subcategory {cat['name']}/{sub['name']} is defined twice.")
            seen_sub.add(key)
            has_scopes = any(s in sub for s in SCOPES)
            if has_scopes and not all(s in sub for s in SCOPES):
                raise PvError(f"{swhere}: subcategory {sub['name']} has a "
                              f"{'narrow' if 'narrow' in sub else 'broad'} definition but not the other; give both.")
            common = (cat["name"], _text(cat.get("label", cat["name"])), sub["name"],
                      _text(sub.get("label", sub["name"])), _text(sub["rationale"]),
                      _text(sub["corresponding_smq"]) if sub.get("corresponding_smq") else None,
                      _text(sub["confounded_by_indication"]) if sub.get("confounded_by_indication") else None,
                      has_scopes)
            parts = [(s, sub[s], f"{swhere}.{s}") for s in SCOPES] if has_scopes else [("all", sub, swhere)]
            if has_scopes:   # a top-level exclude_pts applies to both definitions
                parts += [(s, {"exclude_pts": sub.get("exclude_pts") or []}, swhere) for s in SCOPES]
            n_included = 0
            for scope, node, dwhere in parts:
                if not isinstance(node, dict):
                    raise PvError(f"{dwhere}: expected a mapping of pts, hlt, hlgt, smq and exclude_pts.")
                for key_name, kind in KINDS.items():
                    for item in node.get(key_name) or []:
                        name, smq_scope = _definition_item(kind, item, f"{dwhere}.{key_name}")
                        rows.append((*common, scope, kind, name, smq_scope))
                        n_included += kind != "exclude_pt"
            if not n_included:
                raise PvError(f"{swhere}: subcategory {sub['name']} has no pts, hlt, hlgt or smq.")
            for kw in sub.get("related_keywords") or []:
                keywords.append((cat["name"], sub["name"], str(kw).upper()))
    if not rows:
        raise PvError(f"{path}: no terms in any category.")
    definitions = pa.table({c: [r[k] for r in rows] for k, c in enumerate(DEFINITION_COLUMNS)})
    kw = pa.table({c: pa.array([r[k] for r in keywords], pa.string())
                   for k, c in enumerate(["category", "subcategory", "keyword"])})
    return CategoryFile(path, str(doc["name"]), str(doc["version"]), hashlib.sha256(raw).hexdigest(), definitions, kw)


def _definition_item(kind: str, item, where: str) -> tuple[str, str | None]:
    if kind == "smq":
        if isinstance(item, str | int):
            return _text(item), "narrow"
        if not isinstance(item, dict) or not ({"name", "code"} & set(item)):
            raise PvError(f"{where}: an smq entry is a name, a code, or {{name: ..., scope: narrow|broad}} "
                          f"(got {item!r}).")
        scope = item.get("scope", "narrow")
        if scope not in SCOPES:
            raise PvError(f"{where}: scope must be narrow or broad, not {scope!r}.")
        return _text(item.get("name", item.get("code"))), scope
    if not isinstance(item, str) or not item.strip():
        raise PvError(f"{where}: every entry must be a non-empty MedDRA name (got {item!r}).")
    return _text(item), None


def _require(node, keys, where):
    if not isinstance(node, dict):
        raise PvError(f"{where}: expected a mapping.")
    missing = [k for k in keys if k not in node]
    if missing:
        raise PvError(f"{where}: missing {', '.join(missing)}.")


def install(con: duckdb.DuckDBPyConnection, categories: CategoryFile, meddra_version: str | None = None) -> list[str]:
    """Expand the category file against MedDRA ``meddra_version`` into ``event_category_term`` (replacing it) and
    write ``event_category_keyword``. Needs ``meddra_term`` and ``meddra_smq_pt`` (pv.meddra builds them).
    Returns warnings: definitions that expanded to nothing (an HLT, HLGT or SMQ without MedDRA loaded, or a name
    MedDRA does not know)."""
    db.execute(con, "standardized/macros")
    con.register("incoming_definitions", categories.definitions)
    con.register("incoming_keywords", categories.keywords)
    try:
        db.execute(con, "analytics/event_category_term",
                   {"file_name": categories.name, "file_version": categories.version,
                    "file_sha256": categories.sha256, "file_path": str(categories.path), "version": meddra_version})
        empty = db.query(con, "analytics/category_empty_definitions").to_pylist()
    finally:
        con.unregister("incoming_definitions")
        con.unregister("incoming_keywords")
    warnings = []
    for row in empty:
        what = f"{row['category']} / {row['subcategory']}: {row['kind']} {row['name']!r}"
        if meddra_version is None:
            warnings.append(f"{what} was not expanded: no MedDRA is loaded (only explicit pts are used).")
        else:
            warnings.append(f"{what} is not in MedDRA {meddra_version}: it added nothing "
                            "(`pv categories check` names the closest term).")
    return warnings
