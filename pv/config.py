"""One configuration for paths, criteria and thresholds: ``pv.toml``, or the ``[tool.pv]`` table of
``pyproject.toml``, in the working folder (or ``--config PATH``). Every run records the configuration it used.

Example ``pv.toml``::

    inbox = "inbox"                    # folder the nightly run picks new quarterly zips up from
    database = "pv.duckdb"             # $PV_DB and --db override it
    drugs_of_interest = ["ALEMTUZUMAB", "NATALIZUMAB"]
    categories = "categories/alemtuzumab_review.yaml"
    roles = "suspect"                  # suspect (PS, SS, I: interacting) | all (also C)
    stratified = false                 # expected counts by age band x sex x report year
    collapse_duplicates = true
    signal_criteria = ["eb05"]         # a pair is a signal when it meets any of these
    max_bad_rate = 0.05
    report_formats = ["html", "pdf", "xlsx", "csv"]
    schedule = "0 2 * * *"             # nightly at 02:00 (pv serve)
    meddra_version = "27.1"            # code and score with this loaded MedDRA (default: the newest loaded)
    levels = ["pt", "subcategory", "category", "hlt", "hlgt", "soc", "smq_narrow", "smq_broad"]
    all_soc_paths = false              # hlt/hlgt/soc: every path of a multi-axial PT, not only the primary
    exclude_events = false             # leave product-issue, medication-error, off-label, lack-of-effect terms out

    [scope]                            # the comparison population (all off by default; see pv.config.Scope)
    serious_only = false
    received_from = "2015-01-01"
    reporters = "no_lawyers"           # all | no_lawyers | hcp
    exclude_report_sources = ["SDY", "LIT"]
    background_drugs = []              # e.g. the MS disease-modifying therapies, for an intra-class analysis
    background_indications = []        # e.g. ["Multiple sclerosis"], for an indication-restricted analysis

    [backgrounds.ms_dmt]               # named backgrounds: each is scored as a run of its own beside the main one
    description = "Reports with an MS disease-modifying therapy"
    drugs = ["ALEMTUZUMAB", "NATALIZUMAB", "OCRELIZUMAB", "FINGOLIMOD", "DIMETHYL FUMARATE"]

    [backgrounds.ms_indication]
    indications = ["Multiple sclerosis", "Relapsing-remitting multiple sclerosis"]

    labels = ["categories/labels/alemtuzumab.yaml"]   # reference safety information (default: the bundled files)
    assessments = "pv.assessments.sqlite"              # where assessments are written (default: beside the database)

    [reopen]                           # a refuted or closed signal reopens when its statistics move this much
    eb05_ratio = 2.0
    a_ratio = 3.0

    [criteria.strict_ror]              # custom criteria, usable in signal_criteria
    conditions = [["ror_lower", ">", 2.0], ["a", ">=", 5]]
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pv.errors import PvError
from pv.levels import LEVELS
from pv.stats.criteria import CRITERIA

FORMATS = ("html", "pdf", "xlsx", "csv")


class CustomCriterion(BaseModel):
    """``[criteria.NAME]``: every condition ``[column, operator, threshold]`` must hold."""

    model_config = ConfigDict(extra="forbid")
    conditions: list[tuple[str, Literal[">", ">=", "<", "<="], float | int]]


class Scope(BaseModel):
    """``[scope]``: the comparison population of the run's scoring (every filter off by default). Recorded with the
    run; time to signal and subgroups apply it too.

    serious_only: reports with a serious outcome. received_from / received_to: receipt date (YYYY-MM-DD, inclusive).
    countries: occurrence countries (ISO codes as FAERS gives them). reporters: all | no_lawyers | hcp (physician,
    pharmacist, other health professional). exclude_report_sources: FAERS RPSR codes to leave out (e.g. SDY study,
    LIT literature). background_drugs: only reports with one of these drugs (an intra-class background, e.g. the
    MS disease-modifying therapies). background_indications: only reports with a drug given for one of these
    indications (MedDRA PT or LLT names, or the text FAERS gives; matched as events are). exclude_drugs: leave out
    every report with one of these drugs (unmasking)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    serious_only: bool = False
    received_from: str | None = None
    received_to: str | None = None
    countries: list[str] = Field(default_factory=list)
    reporters: Literal["all", "no_lawyers", "hcp"] = "all"
    exclude_report_sources: list[str] = Field(default_factory=list)
    background_drugs: list[str] = Field(default_factory=list)
    background_indications: list[str] = Field(default_factory=list)
    exclude_drugs: list[str] = Field(default_factory=list)

    @field_validator("countries", "exclude_report_sources", "background_drugs", "exclude_drugs")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [v.strip().upper() for v in value if v.strip()]

    @field_validator("background_indications")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return [v.strip() for v in value if v.strip()]

    @field_validator("received_from", "received_to")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        from datetime import date

        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
        return parsed.isoformat()


class DaskSettings(BaseModel):
    """``[dask]``: where ``engine = "dask"`` counts. scheduler: a running cluster's address (tcp://HOST:8786); none
    starts a local cluster of ``local_workers`` processes. shards: how many shards of cases the analysis universe
    is cut into (a few per worker). shard_path: a folder every worker can read, for the shards' Parquet (needed
    with a scheduler; a temporary folder for a local cluster)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    scheduler: str | None = None
    local_workers: int = Field(2, ge=1)
    shards: int = Field(8, ge=1)
    shard_path: str | None = None


class ReopenRule(BaseModel):
    """``[reopen]``: when a refuted or closed signal reopens (back to ``new``): its EB05 reaches ``eb05_ratio``
    times, or its a ``a_ratio`` times, what the assessor saw."""

    model_config = ConfigDict(extra="forbid", strict=True)
    eb05_ratio: float = Field(2.0, gt=1.0)
    a_ratio: float = Field(3.0, gt=1.0)

    @field_validator("eb05_ratio", "a_ratio", mode="before")
    @classmethod
    def _numbers(cls, value):
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Background(BaseModel):
    """``[backgrounds.NAME]``: a comparison population of its own, scored as a separate run beside the main one
    (intra-class or indication-restricted analysis). drugs: reports with any of these drugs (in the run's roles);
    indications: reports with a drug given for one of these indications; both: reports meeting both. The run's
    other ``[scope]`` filters apply too."""

    model_config = ConfigDict(extra="forbid", strict=True)
    description: str = ""
    drugs: list[str] = Field(default_factory=list)
    indications: list[str] = Field(default_factory=list)

    @field_validator("drugs")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [v.strip().upper() for v in value if v.strip()]

    @field_validator("indications")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return [v.strip() for v in value if v.strip()]

    def scope(self, base: Scope) -> Scope:
        """The run's scope restricted to this background."""
        return base.model_copy(update={"background_drugs": self.drugs or base.background_drugs,
                                       "background_indications": self.indications or base.background_indications})


class PvConfig(BaseModel):
    """Every setting with its type and default. A value of the wrong type (a string where a list is expected, a
    word where a number is) is refused with the setting's name, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True)

    inbox: str = "sample_data"
    database: str = "pv.duckdb"
    drugs_of_interest: list[str] = Field(default_factory=lambda: ["ALEMTUZUMAB"])
    categories: str | None = None
    roles: Literal["suspect", "all"] = "suspect"
    stratified: bool = False
    collapse_duplicates: bool = True
    continuity_correction: float = Field(0.0, ge=0.0)
    signal_criteria: list[str] = Field(default_factory=lambda: ["eb05"])
    criteria: dict[str, CustomCriterion] = Field(default_factory=dict)
    max_bad_rate: float = Field(0.05, ge=0.0, le=1.0)
    report_formats: list[Literal["html", "pdf", "xlsx", "csv"]] = Field(default_factory=lambda: list(FORMATS))
    reports_dir: str = "reports"
    published_copy: str | None = None                      # a read-only copy for analysts, refreshed each run
    schedule: str = "0 2 * * *"
    busy_timeout: float = Field(600.0, ge=0.0)             # seconds a run's step waits for a reader to let go
    meddra_version: str | None = None                      # None: the newest loaded MedDRA
    levels: list[Literal[LEVELS]] = Field(default_factory=lambda: list(LEVELS))
    all_soc_paths: bool = False
    exclude_events: bool = False
    scope: Scope = Field(default_factory=Scope)
    backgrounds: dict[str, Background] = Field(default_factory=dict)
    labels: list[str] | None = None                        # reference safety information files; None: the bundled
    assessments: str | None = None                         # the assessment store; None: <database>.assessments.sqlite
    reopen: ReopenRule = Field(default_factory=ReopenRule)
    engine: Literal["duckdb", "dask"] = "duckdb"            # where counting runs: this process, or a Dask cluster
    dask: DaskSettings = Field(default_factory=DaskSettings)
    source: str = "defaults"

    @field_validator("continuity_correction", "max_bad_rate", "busy_timeout", mode="before")
    @classmethod
    def _whole_numbers_are_numbers(cls, value):
        # TOML's 0 and 1 are integers; a number is a number (but a bool or a string is not).
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("drugs_of_interest")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [d.strip().upper() for d in value if d.strip()]

    @field_validator("backgrounds")
    @classmethod
    def _named(cls, value: dict[str, Background]) -> dict[str, Background]:
        for name, background in value.items():
            if not name.replace("_", "").replace("-", "").isalnum():
                raise ValueError(f"background name {name!r} must be letters, digits, '_' or '-'")
            if not background.drugs and not background.indications:
                raise ValueError(f"background {name!r} needs drugs = [...] or indications = [...] (or both)")
        return value

    def background(self, name: str) -> Background:
        if name not in self.backgrounds:
            known = ", ".join(sorted(self.backgrounds)) or "none is configured"
            raise PvError(f"No background named {name!r} in {self.source} ([backgrounds.NAME]; known: {known}).")
        return self.backgrounds[name]

    def all_criteria(self) -> dict:
        custom = {name: [tuple(c) for c in spec.conditions] for name, spec in self.criteria.items()}
        return {**CRITERIA, **custom}

    def as_dict(self) -> dict:
        return self.model_dump(mode="json")

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
        return from_table(table, str(candidate))
    return PvConfig()


def from_table(table: dict, source: str) -> PvConfig:
    """A configuration from a TOML table; every wrong setting is named in one sentence."""
    known = sorted(f for f in PvConfig.model_fields if f != "source")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise PvError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}.")
    try:
        cfg = PvConfig(**table, source=source)
    except ValidationError as exc:
        raise PvError(f"{source}: " + "; ".join(_explain(e) for e in exc.errors()) + ".") from None
    names = cfg.all_criteria()
    missing = [c for c in cfg.signal_criteria if c not in names]
    if missing:
        raise PvError(f"{source}: signal_criteria names {', '.join(missing)}, which is neither a preset "
                      f"({', '.join(CRITERIA)}) nor defined under [criteria.NAME].")
    return cfg


_EXAMPLES = {
    "drugs_of_interest": 'drugs_of_interest = ["ALEMTUZUMAB"]', "signal_criteria": 'signal_criteria = ["eb05"]',
    "report_formats": 'report_formats = ["html", "pdf"]',
}


def _explain(error: dict) -> str:
    """One pydantic error as a sentence: the setting, what it must be, what it was, an example."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    top = str(error["loc"][0]) if error["loc"] else ""
    got = error.get("input")
    shown = f"{got!r}" if not isinstance(got, dict) else "a table"
    message = error["msg"][0].lower() + error["msg"][1:]
    example = f" (e.g. {_EXAMPLES[top]})" if top in _EXAMPLES and error["type"] == "list_type" else ""
    return f"{where} {message.replace('input should be', 'must be')}, got {shown}{example}"
