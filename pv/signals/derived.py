"""The statistics a run derives for its drugs of interest after scoring: time to signal (``signal_by_quarter``,
as the data stood at each quarter end, see :mod:`pv.signals.asof`), masking (``signal_masking``), subgroups
(``signal_subgroup``, with the heterogeneity test) and time to onset (``signal_onset``, see :mod:`pv.stats.onset`).
All use the run's own settings: roles, duplicates, scope, levels, categories, exclusions, stratification and
criteria.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pyarrow as pa

from pv import db
from pv.config import PvConfig
from pv.signals import MIN_PAIRS_OWN_PRIOR, ROLE_SETS, ScoreSettings, asof, asof_checkpoint, prepare
from pv.signals.subgroups import count_subgroups, record_heterogeneity
from pv.stats import apply_criteria, disproportionality
from pv.stats.mgps import MGPSPrior
from pv.stats.onset import onset_summary

STAT_COLUMNS = ["a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper", "ror", "ror_lower", "ror_upper",
                "chi2_yates", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95", "criteria_met"]


def run_priors(con: duckdb.DuckDBPyConnection, score_run_id: int) -> dict[str, MGPSPrior]:
    """The MGPS prior the scoring run used at each level (its own, or the PT-level one it borrowed)."""
    priors = json.loads(db.one(con, "select mgps_priors from score_run where run_id = $id", {"id": score_run_id})[0])
    return {level: MGPSPrior(p["alpha1"], p["beta1"], p["alpha2"], p["beta2"], p["p"], p["nll"])
            for level, p in priors.items()}


def score_rows(frame: pd.DataFrame, priors: dict[str, MGPSPrior], cfg: PvConfig) -> pa.Table | None:
    """Every statistic of derived counts, each level with its prior; an ``expected`` column (stratified runs)
    replaces the crude expected count, as in the run's scoring."""
    if frame.empty:
        return None
    parts = [disproportionality(part.reset_index(drop=True), prior=priors.get(level, priors["pt"]),
                                continuity_correction=cfg.continuity_correction)
             for level, part in frame.groupby("level", sort=False)]
    scored = apply_criteria(pd.concat(parts, ignore_index=True), cfg.all_criteria())
    met = scored["criteria_met"].to_numpy()
    scored["is_signal"] = [bool(set(m.split(",")) & set(cfg.signal_criteria)) if m else False for m in met]
    scored["criteria_met"] = [m.split(",") if m else [] for m in met]
    scored.attrs = {}
    keep = [c for c in scored.columns if c in {"level", "drug", "event", "quarter", "subgroup_kind", "subgroup",
                                                "is_signal", *STAT_COLUMNS}]
    table = pa.Table.from_pandas(scored[keep], preserve_index=False)
    # a table where no pair meets any criterion would type its empty lists as list<null>; the quarters must concatenate
    met = table.schema.get_field_index("criteria_met")
    return table.set_column(met, "criteria_met", table.column(met).cast(pa.list_(pa.string())))


def time_to_signal(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int, cfg: PvConfig,
                   progress=None) -> int:
    """Statistics at each quarter end for the drugs of interest, from the data as it stood then and the priors
    fitted then (``signal_by_quarter``, and each quarter's priors in ``signal_by_quarter_prior``). The quarters up
    to the previous run's checkpoint are carried over from it when nothing that decides them changed
    (pv.signals.asof_checkpoint), and this run keeps its own checkpoint at its second-to-last quarter."""
    if not cfg.drugs_of_interest:
        return 0
    say = progress or (lambda _m: None)
    settings = ScoreSettings.from_config(cfg)
    prepared = prepare(con, settings)
    method = asof_checkpoint.method_sha256(con, run_id, score_run_id, list(cfg.drugs_of_interest),
                                           MIN_PAIRS_OWN_PRIOR)
    resume = asof_checkpoint.find(con, settings, method, asof.quarters(con))
    say(resume.reason)
    start = resume.state
    quarters = asof.build(con, settings, prepared["levels"], say, after_qi=start.qi if start else 0)
    cache = asof.PriorCache.load(con)
    keep_qi = len(quarters) - 1 if not settings.stratified and len(quarters) >= 2 else None
    kept = start if start is not None and start.qi == keep_qi else None
    carried, carried_priors = asof_checkpoint.carried_rows(con, resume)
    scored, prior_rows = [carried], []
    for table in asof.quarter_tables(con, settings, list(cfg.drugs_of_interest), run_priors(con, score_run_id),
                                     quarters, say, MIN_PAIRS_OWN_PRIOR, cache, start=start, keep_qi=keep_qi):
        scored.append(score_rows(table.counts, table.priors, cfg))
        prior_rows += [{"quarter": table.quarter, "level": level, "n_reports": table.n_reports,
                        "source": table.sources[level], **prior.as_dict()} for level, prior in table.priors.items()]
        kept = table.state or kept
    db.replace_run_rows(con, "signal_by_quarter", run_id, scored)
    priors = pa.Table.from_pylist(prior_rows) if prior_rows else None
    if priors is not None:
        priors = priors.select([c for c in priors.column_names if c in db.table_columns(con, "signal_by_quarter_prior")])
    db.replace_run_rows(con, "signal_by_quarter_prior", run_id, [carried_priors, priors])
    cache.save(con)
    if kept is not None:
        asof_checkpoint.save(con, run_id, kept, method)
    say(f"time to signal: {len(quarters)} quarter(s)" + (f", {start.qi} carried over from run {resume.run_id}"
                                                          if start else "")
        + f"; {cache.hits} prior(s) reused from earlier runs")
    return sum(t.num_rows for t in scored if t is not None)


def subgroups(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int, cfg: PvConfig) -> int:
    """Statistics by sex and by age band for the drugs of interest (EBGM with the run's prior at each level), and
    the test of heterogeneity between the subgroups (``signal_subgroup_heterogeneity``)."""
    if not cfg.drugs_of_interest:
        return 0
    count_subgroups(con, ScoreSettings.from_config(cfg), list(cfg.drugs_of_interest))
    frame = con.sql("select * from drug_event_counts_subgroup").to_arrow_table().to_pandas()
    expected = frame.pop("expected_stratified")
    if cfg.stratified:
        frame["expected"] = expected.astype(float)
    scored = score_rows(frame, run_priors(con, score_run_id), cfg)
    db.replace_run_rows(con, "signal_subgroup", run_id, scored)
    record_heterogeneity(con, run_id)
    return 0 if scored is None else scored.num_rows


def time_to_onset(con: duckdb.DuckDBPyConnection, run_id: int, cfg: PvConfig) -> int:
    """Days from therapy start to event onset for every pair of the drugs of interest (``case_time_to_onset``, the
    run's analysis universe), summarized per pair with the Weibull shape test (``signal_onset``)."""
    if not cfg.drugs_of_interest:
        return 0
    db.execute(con, "analytics/case_time_to_onset",
               {"drugs": list(cfg.drugs_of_interest), "roles": ROLE_SETS[cfg.roles]})
    cases = con.sql("select level, drug, event, onset_days from case_time_to_onset").to_arrow_table().to_pandas()
    summary = onset_summary(cases, ["level", "drug", "event"]) if len(cases) else None
    db.replace_run_rows(con, "signal_onset", run_id,
                        None if summary is None else pa.Table.from_pandas(summary, preserve_index=False))
    return 0 if summary is None else len(summary)


MASKING_TOP = 3      # masking drugs kept per pair
MASKING_MIN_A = 3    # pairs with fewer reports are not assessed


def masking(con: duckdb.DuckDBPyConnection, run_id: int, cfg: PvConfig) -> int:
    """The drugs that mask the drugs of interest's pairs most (masking ratio, Maignen et al. 2014), from the run's
    analysis universe (``signal_masking``)."""
    if not cfg.drugs_of_interest:
        return 0
    db.execute(con, "analytics/drug_event_masking",
               {"drugs": list(cfg.drugs_of_interest), "min_a": MASKING_MIN_A, "top": MASKING_TOP})
    rows = con.sql("select * from drug_event_masking").to_arrow_table()
    db.replace_run_rows(con, "signal_masking", run_id, rows)
    return rows.num_rows


def masking_drugs(con: duckdb.DuckDBPyConnection, cfg: PvConfig, min_ratio: float = 2.0) -> list[str]:
    """``--unmask auto``: the drugs whose removal raises the PRR of a drug of interest's pair at least
    ``min_ratio``-fold in the latest completed run (signal_masking)."""
    from pv.errors import PvError

    if not db.table_exists(con, "signal_masking"):
        raise PvError("No masking ratios yet: run `pv run` with drugs_of_interest first, then --unmask auto.")
    rows = con.execute(
        "select distinct masking_drug from signal_masking where masking_ratio >= $r and list_contains($d, drug) "
        "and run_id = (select max(run_id) from signal_run where status = 'completed') order by 1",
        {"r": min_ratio, "d": list(cfg.drugs_of_interest)}).fetchall()
    if not rows:
        raise PvError(f"No drug masks the drugs of interest's pairs {min_ratio:g}-fold in the latest run; "
                      "name the drugs to leave out with --unmask DRUG.")
    return [r[0] for r in rows]
