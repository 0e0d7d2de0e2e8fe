"""One configuration for paths, criteria and thresholds: ``pv.toml``, or the ``[tool.pv]`` table of
``pyproject.toml``, in the working folder (or ``--config PATH``). Every run records the configuration it used.

Example ``pv.toml``::

    inbox = "inbox"                    # folder the nightly run picks new quarterly zips up from
    database = "pv.duckdb"             # $PV_DB and --db override it
    drugs_of_interest = ["ALEMTUZUMAB", "NATALIZUMAB"]
    categories = "categories/alemtuzumab_review.yaml"
    roles = "suspect"                  # suspect (PS, SS) | all
    stratified = false                 # expected counts by age band x sex x report year
    collapse_duplicates = true
    signal_criteria = ["eb05"]         # a pair is a signal when it meets any of these
    max_bad_rate = 0.05
    report_formats = ["html", "pdf", "xlsx", "csv"]
    schedule = "0 2 * * *"             # nightly at 02:00 (pv serve)

    [criteria.strict_ror]              # custom criteria, usable in signal_criteria
    conditions = [["ror_lower", ">", 2.0], ["a", ">=", 5]]
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pv.errors import PvError
from pv.stats.criteria import CRITERIA


@dataclass
class PvConfig:
    inbox: str = "sample_data"
    database: str = "pv.duckdb"
    drugs_of_interest: list[str] = field(default_factory=lambda: ["ALEMTUZUMAB"])
    categories: str | None = None
    roles: str = "suspect"
    stratified: bool = False
    collapse_duplicates: bool = True
    continuity_correction: float = 0.0
    signal_criteria: list[str] = field(default_factory=lambda: ["eb05"])
    criteria: dict = field(default_factory=dict)          # custom criteria: name -> {"conditions": [...]}
    max_bad_rate: float = 0.05
    report_formats: list[str] = field(default_factory=lambda: ["html", "pdf", "xlsx", "csv"])
    reports_dir: str = "reports"
    published_copy: str | None = None                      # a read-only copy for analysts, refreshed each run
    schedule: str = "0 2 * * *"
    source: str = "defaults"

    def all_criteria(self) -> dict:
        custom = {name: [tuple(c) for c in spec.get("conditions", [])] for name, spec in self.criteria.items()}
        return {**CRITERIA, **custom}

    def as_dict(self) -> dict:
        return asdict(self)

    def db_path(self, override: str | None = None) -> str:
        return override or os.environ.get("PV_DB") or self.database


def load_config(path: str | Path | None = None) -> PvConfig:
    """``path`` if given; else ``./pv.toml``; else ``[tool.pv]`` of ``./pyproject.toml``; else the defaults."""
    candidates = [Path(path)] if path else [Path("pv.toml"), Path("pyproject.toml")]
    for candidate in candidates:
        if not candidate.is_file():
            if path:
                raise PvError(f"{candidate}: no such configuration file.")
            continue
        try:
            doc = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise PvError(f"{candidate}: not valid TOML ({exc}).") from exc
        table = doc.get("tool", {}).get("pv") if candidate.name == "pyproject.toml" else doc
        if table is None:
            continue
        return _from_table(table, str(candidate))
    return PvConfig()


def _from_table(table: dict, source: str) -> PvConfig:
    known = {f for f in PvConfig.__dataclass_fields__ if f != "source"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise PvError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
    cfg = PvConfig(**table, source=source)
    cfg.drugs_of_interest = [d.strip().upper() for d in cfg.drugs_of_interest]
    names = cfg.all_criteria()
    missing = [c for c in cfg.signal_criteria if c not in names]
    if missing:
        raise PvError(f"{source}: signal_criteria names {', '.join(missing)}, which is neither a preset "
                      f"({', '.join(CRITERIA)}) nor defined under [criteria.NAME].")
    if cfg.roles not in {"suspect", "all"}:
        raise PvError(f"{source}: roles must be 'suspect' or 'all', not {cfg.roles!r}.")
    if not 0 <= cfg.max_bad_rate <= 1:
        raise PvError(f"{source}: max_bad_rate must be between 0 and 1 (got {cfg.max_bad_rate}).")
    return cfg
