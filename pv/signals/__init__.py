"""Scoring: counts (SQL) -> statistics (pv.stats) -> criteria -> ``drug_event_score``, one run at a time.

A run is atomic: the counts, the scores and the ``score_run`` row are written in one transaction, so a failed
run leaves the previous run's results as they were.

Memory follows a slice of pairs, not the run: each level's counts are read alone, its MGPS prior is fitted on its
(a, E) pairs, and its pairs are then scored and written :data:`SCORE_SLICE_ROWS` at a time (every statistic and
criterion of a pair depends on that pair and the level's prior only).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pv import categorize, db, meddra
from pv.categorize import exclusions
from pv.errors import PvError
from pv.levels import LEVELS
from pv.signals import stratified as stratified_counts
from pv.stats import CRITERIA, apply_criteria, disproportionality, fit_mgps
from pv.stats.mgps import DEFAULT_STARTS

# Suspect means primary suspect, secondary suspect and interacting, as EudraVigilance and the UMC count it.
ROLE_SETS = {"suspect": ["PS", "SS", "I"], "all": ["PS", "SS", "I", "C"]}
# A (sub)category level with fewer pairs than this borrows the PT-level prior: five hyperparameters need data.
MIN_PAIRS_OWN_PRIOR = 1000
# Pairs scored and written at a time. The statistics add some twenty columns to a pair: at 20 M reports the PT
# level's 7 M pairs would otherwise be held in full, in pandas and again in Arrow.
SCORE_SLICE_ROWS = 1_000_000


@dataclass
class ScoreSettings:
    roles: str = "suspect"                    # suspect (PS, SS, I) | all
    collapse_duplicates: bool = True          # count each probable-duplicate group once
    stratified: bool = False                  # expected counts by age band x sex x report year
    continuity_correction: float = 0.0        # PRR/ROR only; 0.5 = vigipy's default
    categories: str | None = None             # category YAML; None = the bundled file
    criteria: dict = field(default_factory=lambda: dict(CRITERIA))
    levels: tuple[str, ...] = LEVELS          # the levels to score (MedDRA ones are skipped without MedDRA)
    all_soc_paths: bool = False               # hlt/hlgt/soc: every path of a multi-axial PT, not only the primary
    exclude_events: bool = False              # drop non-clinical terms (categories/non_clinical_events.yaml)
    scope: dict = field(default_factory=dict)  # the comparison population (pv.config.Scope fields); {} = everyone
    background: str | None = None             # the named background ([backgrounds.NAME]) scope restricts to
    engine: str = "duckdb"                    # duckdb (this process) | dask (shards on a Dask cluster)
    cluster: dict = field(default_factory=dict)   # engine dask: pv.config.DaskSettings fields

    @classmethod
    def from_config(cls, cfg, background: str | None = None) -> ScoreSettings:
        """The settings of a ``pv.config.PvConfig``: one definition for the CLI, the flow and scripts. With
        ``background``, the same settings with the scope restricted to that named background."""
        scope = cfg.background(background).scope(cfg.scope) if background else cfg.scope
        return cls(roles=cfg.roles, collapse_duplicates=cfg.collapse_duplicates, stratified=cfg.stratified,
                   continuity_correction=cfg.continuity_correction, categories=cfg.categories,
                   criteria=cfg.all_criteria(), levels=tuple(cfg.levels), all_soc_paths=cfg.all_soc_paths,
                   exclude_events=cfg.exclude_events, scope=scope.model_dump(), background=background,
                   engine=cfg.engine, cluster=cfg.dask.model_dump())

    def as_dict(self) -> dict:
        named = {"background": self.background} if self.background else {}
        return {**named, "roles": self.roles, "collapse_duplicates": self.collapse_duplicates, "stratified": self.stratified,
                "continuity_correction": self.continuity_correction, "categories": self.categories,
                "criteria": self.criteria, "levels": list(self.levels), "all_soc_paths": self.all_soc_paths,
                "exclude_events": self.exclude_events, "scope": self.scope_param()}

    def scope_param(self) -> dict:
        """The scope as bound to SQL (case_in_scope): every field present, defaults filled."""
        from pv.config import Scope

        return Scope(**self.scope).model_dump()


@dataclass
class ScoreResult:
    run_id: int
    n_reports: int
    n_pairs: dict[str, int]
    signals: dict[str, int]                   # criterion -> pairs meeting it (PT level)
    priors: dict
    seconds: float
    warnings: list[str] = field(default_factory=list)
    meddra_version: str | None = None
    excluded: dict = field(default_factory=dict)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    db.execute(con, "analytics/score_schema")


def coded_meddra_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The MedDRA version the standardized layer's events were coded with (None: text only)."""
    if not db.table_exists(con, "standardize_build") or \
            "meddra_version" not in db.table_columns(con, "standardize_build"):
        return None
    row = db.one(con, "select meddra_version from standardize_build order by build_id desc limit 1")
    return row[0] if row else None


def prepare(con: duckdb.DuckDBPyConnection, settings: ScoreSettings) -> dict:
    """The lookup tables counting needs, for the MedDRA version the events were coded with: ``meddra_term``,
    ``meddra_smq_pt``, ``meddra_pt_level``, ``event_category_term`` (the category file expanded) and
    ``excluded_pt``. Returns what a run records: the MedDRA version, the levels scored, warnings, exclusions."""
    if settings.roles not in ROLE_SETS:
        raise PvError(f"roles must be one of {', '.join(ROLE_SETS)}, not {settings.roles!r}.")
    unknown = [lvl for lvl in settings.levels if lvl not in LEVELS]
    if unknown:
        raise PvError(f"levels: {', '.join(unknown)} is not a level; choose among {', '.join(LEVELS)}.")
    if not db.table_exists(con, "case_event"):
        raise PvError("The standardized layer is not built: run `pv standardize` (or `pv run`) first.")
    if not db.table_exists(con, "case_indication"):
        raise PvError("The standardized layer was built by an earlier pv version (it has no case_indication): run "
                      "`pv standardize` first.")
    version = coded_meddra_version(con)
    db.execute(con, "analytics/macros")
    meddra.build_term_index(con, version)          # also defines the matching macros
    meddra.build_pt_levels(con, version, settings.all_soc_paths)
    warnings = categorize.install(con, categorize.load(settings.categories), version)
    excluded = exclusions.install(con, settings.exclude_events, version)
    levels = [lvl for lvl in settings.levels if version or lvl not in meddra.LEVELS]
    if version is None and any(lvl in meddra.LEVELS for lvl in settings.levels):
        warnings.append("No MedDRA is loaded: events are matched on their text and the hlt, hlgt, soc and SMQ levels "
                        "are not scored (`pv meddra load PATH`, then `pv standardize`).")
    return {"meddra_version": version, "levels": levels, "warnings": warnings, "excluded": excluded}


def build_counts(con: duckdb.DuckDBPyConnection, settings: ScoreSettings, prepared: dict | None = None) -> None:
    """Count every level's pairs into ``drug_event_counts``."""
    prepared = prepared or prepare(con, settings)
    for name in ("analysis_exposure", "analysis_event"):
        # databases scored by earlier versions hold these as tables; they are views over the numbered tables now
        if db.one(con, "select count(*) from duckdb_tables() where table_name = $name", {"name": name})[0]:
            con.execute(f"drop table {name}")  # noqa: S608 (fixed names)
    db.execute(con, "analytics/analysis_universe",
               {"roles": ROLE_SETS[settings.roles], "collapse_duplicates": settings.collapse_duplicates,
                "scope": settings.scope_param()})
    db.materialize(con, "analytics/pt_level_event", "analysis_pt_level_event", {"pt_key": "analysis_pt_key"},
                   temporary=True)
    db.execute(con, "analytics/analysis_events", {"levels": prepared["levels"]})
    from pv.signals import sharded

    # one reduction of additive parts, whether the parts come from a cluster's shards or from one node
    sharded.compute_parts(con, settings, sharded.COUNTS, {"stratified": settings.stratified})
    reduce_counts(con, settings.stratified)


def reduce_counts(con: duckdb.DuckDBPyConnection, stratified: bool) -> None:
    """``drug_event_counts`` from the parts of every shard (``all_part_*``): summed by key, the stratified E
    of each pair computed from the stratum totals (pv.signals.stratified), then b, c, d."""
    db.execute(con, "analytics/count_totals")
    stratified_counts.build_pair_expected(con, stratified)
    db.execute(con, "analytics/drug_event_counts")


def count_pairs(con: duckdb.DuckDBPyConnection, settings: ScoreSettings, prepared: dict | None = None) -> pd.DataFrame:
    """Every level's counts (:func:`build_counts`) as one frame."""
    build_counts(con, settings, prepared)
    return con.sql("select * from drug_event_counts").to_arrow_table().to_pandas()


def _level_work(part: pd.DataFrame, settings: ScoreSettings) -> tuple[pd.DataFrame, np.ndarray]:
    """A level's counts as scoring takes them (E stratified when asked), and the E its prior is fitted on."""
    work = part.drop(columns=["n_drug", "n_event", "n_total"])
    if settings.stratified:
        work = work.assign(expected=part["expected_stratified"].to_numpy(dtype=float))
    e_fit = work["expected"] if "expected" in work else (work["a"] + work["b"]) * (work["a"] + work["c"]) / (
        work["a"] + work["b"] + work["c"] + work["d"])
    return work, np.asarray(e_fit, dtype=float)


def _level_prior(level: str, work: pd.DataFrame, e_fit: np.ndarray, pt_prior, say: Callable[[str], None]):
    """(prior, how it was chosen) for one level: fitted, or the PT level's when the level is small or its own fit
    does not converge."""
    if not (level == "pt" or len(work) >= MIN_PAIRS_OWN_PRIOR or pt_prior is None):
        return pt_prior, "pt-level prior (too few pairs to fit)"
    say(f"fitting the MGPS prior on {len(work):,} {level}-level pairs")
    # the other levels (categories, HLT, HLGT, SOC, SMQ) start from the PT-level optimum and two of the usual
    # points: the grouped tables resemble the PT table, and the diagnostics say whether all agree
    starts = DEFAULT_STARTS if pt_prior is None else (tuple(pt_prior.theta), *DEFAULT_STARTS[:2])
    try:
        return fit_mgps(work["a"].to_numpy(), e_fit, starts=starts), "fitted"
    except PvError as exc:
        if pt_prior is None:        # the PT level has no prior to fall back on
            raise
        # a grouped level whose table the two-gamma fit cannot settle on borrows the PT level's, as a small level
        # does, and the run says so (score_run.mgps_priors, the run's warnings)
        return pt_prior, f"pt-level prior (the level's own fit did not converge: {exc})"


def _scored_slices(work: pd.DataFrame, prior, settings: ScoreSettings, rows: int) -> Iterator[pd.DataFrame]:
    """``work``'s pairs with every statistic and criterion, ``rows`` (>= 1) pairs at a time."""
    criteria = {**CRITERIA, **settings.criteria}   # the presets always (drug_event_score has their columns)
    for start in range(0, len(work), rows):
        piece = work if rows >= len(work) else work.iloc[start:start + rows].reset_index(drop=True)
        # piece is this function's own frame: the statistics are added to it rather than to a copy
        scored = disproportionality(piece, prior=prior, continuity_correction=settings.continuity_correction,
                                    copy=False)
        yield apply_criteria(scored, criteria, copy=False)


def _levels_in(counts_levels) -> list[str]:
    """The levels present, in scoring order (the PT level first: the others may borrow its prior)."""
    present = set(counts_levels)
    return [level for level in LEVELS if level in present]


def _score_levels(level_counts: Iterable[tuple[str, pd.DataFrame]], settings: ScoreSettings, priors: dict,
                  say: Callable[[str], None], rows: int | None = None) -> Iterator[tuple[str, pd.DataFrame]]:
    """(level, scored pairs) for each level's counts, in the order given (the PT level first: the others may borrow
    its prior), ``rows`` pairs at a time (None: a level at once); each level's prior and how it was chosen go into
    ``priors``. ``level_counts`` may be lazy, so that a level's counts are read only when it is scored."""
    pt_prior = None
    for level, part in level_counts:
        work, e_fit = _level_work(part, settings)
        del part
        prior, source = _level_prior(level, work, e_fit, pt_prior, say)
        del e_fit
        pt_prior = prior if level == "pt" else pt_prior
        priors[level] = {"source": source, **prior.as_dict()}
        say(f"scoring {len(work):,} {level}-level pairs")
        for scored in _scored_slices(work, prior, settings, rows or max(len(work), 1)):
            yield level, scored


def score_counts(counts: pd.DataFrame, settings: ScoreSettings, say: Callable[[str], None] | None = None):
    """Statistics and criteria for every level of ``counts``, in memory; returns (scores, priors as a JSON-able
    dict). :func:`score` does the same a slice at a time, into the database."""
    priors: dict = {}
    levels = ((level, counts[counts["level"] == level].reset_index(drop=True))
              for level in _levels_in(counts["level"].unique()))
    frames = [scored for _level, scored in _score_levels(levels, settings, priors, say or (lambda _m: None))]
    if not frames:
        raise PvError("No drug-event pair to score: is the standardized layer empty?")
    return (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)), priors


def score(con: duckdb.DuckDBPyConnection, settings: ScoreSettings | None = None,
          progress: Callable[[str], None] | None = None) -> ScoreResult:
    settings = settings or ScoreSettings()
    say = progress or (lambda _m: None)
    ensure_schema(con)
    t0, started = time.perf_counter(), datetime.now()
    say("counting reports per drug and event")
    prepared = prepare(con, settings)
    build_counts(con, settings, prepared)
    levels = _levels_in(r[0] for r in con.execute("select distinct level from drug_event_counts").fetchall())
    if not levels:
        raise PvError("No drug-event pair to score: is the standardized layer empty?")
    n_reports = int(db.one(con, "select max(n_total) from drug_event_counts")[0])
    cat = db.one(con, "select any_value(file_name), any_value(file_version), any_value(file_sha256) from event_category_term")
    columns = [c for c in db.table_columns(con, "drug_event_score") if c != "run_id"]
    priors: dict = {}
    n_pairs = {lvl: 0 for lvl in LEVELS if lvl in prepared["levels"]}
    signals = dict.fromkeys(settings.criteria, 0)
    con.begin()
    try:
        run_id = db.one(con, "select nextval('score_run_id_seq')")[0]
        level_counts = ((level, db.query(con, "analytics/level_counts", {"level": level}).to_pandas())
                        for level in levels)
        for level, scored in _score_levels(level_counts, settings, priors, say, SCORE_SLICE_ROWS):
            _insert_scores(con, scored, columns, run_id)
            n_pairs[level] += len(scored)
            if level == "pt":
                for name in signals:
                    signals[name] += int(scored[f"meets_{name}"].sum())
        db.execute(con, "analytics/insert_run_categories", {"run_id": run_id})
        seconds = time.perf_counter() - t0
        con.execute(
            """insert into score_run (run_id, started_at, finished_at, status, parameters, category_file,
                   category_version, category_sha256, mgps_priors, n_reports, n_pairs, seconds, message,
                   meddra_version, exclusions, background)
               values ($id, $started, current_localtimestamp(), 'completed', $params, $cf, $cv, $cs, $priors,
                   $n_reports, $n_pairs, $seconds, $message, $mv, $ex, $background)""",
            {"id": run_id, "started": started, "params": json.dumps(settings.as_dict()), "cf": cat[0], "cv": cat[1],
             "cs": cat[2], "priors": json.dumps(priors, default=float), "n_reports": n_reports,
             "n_pairs": sum(n_pairs.values()), "seconds": seconds,
             "message": "; ".join(prepared["warnings"] + _prior_warnings(priors)) or None,
             "mv": prepared["meddra_version"], "ex": json.dumps(prepared["excluded"]),
             "background": settings.background},
        ).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return ScoreResult(run_id, n_reports, n_pairs, signals, priors, seconds,
                       prepared["warnings"] + _prior_warnings(priors), prepared["meddra_version"],
                       prepared["excluded"])


def _insert_scores(con: duckdb.DuckDBPyConnection, scored: pd.DataFrame, columns: list[str], run_id: int) -> None:
    # one list per combination of criteria met, shared by the pairs that meet it
    lists = {joined: joined.split(",") if joined else [] for joined in scored["criteria_met"].unique()}
    scored["criteria_met"] = scored["criteria_met"].map(lists)
    scored.attrs = {}
    con.register("incoming_scores", pa.Table.from_pandas(scored[columns], preserve_index=False))
    try:
        db.execute(con, "analytics/insert_scores", {"run_id": run_id})
    finally:
        con.unregister("incoming_scores")


def _prior_warnings(priors: dict) -> list[str]:
    borrowed = [f"MGPS prior ({level}): {p['source']}" for level, p in priors.items()
                if "did not converge" in p["source"]]
    return borrowed + [f"MGPS prior ({level}): {w}" for level, p in priors.items() if p["source"] == "fitted"
                       for w in p.get("warnings", [])]
