"""Time to signal without hindsight: the 2x2 tables, and the MGPS priors, as they stood at each quarter end.

At the end of each quarter Q of the loaded data, a case counts with the latest version received by Q (from the
quarters loaded up to Q), unless a deleted-case list published by Q names it, and it is grouped with its probable
duplicates as they stood at Q (sql/analytics/asof_versions.sql, asof_duplicates.sql). The earlier versions' cases,
drugs, events and signatures are built by the standardized layer's own models, so they are coded exactly as the
current ones are. Counting then follows the run's settings (roles, duplicates, levels, categories, exclusions,
stratification): asof_delta.sql gives what changes in each table from one quarter to the next (summed
from the parts of shards of case versions: one on one node, many on a Dask cluster), and
:func:`quarter_tables` adds the changes up, one quarter at a time, over every pair, so that each quarter's
MGPS prior is fitted on that quarter's whole table, level by level as the run fits its own.

Each quarter's fit is warm-started from the previous quarter's prior at that level (the hyperparameters move
little from one quarter to the next) and runs on the squashed table above 50,000 distinct points (DuMouchel &
Pregibon 2001; the exact likelihood is still reported). A fitted prior is kept in ``asof_prior_cache`` under a
digest of the table it was fitted on (each pair's drug, event and a, and E): a later run whose table at that quarter
is the same, which is every earlier quarter when a nightly run adds a new one, reuses it instead of refitting.
At the last quarter the tables are the run's own, and so is the prior: the run fitted it on exactly those tables,
so the last quarter reproduces ``drug_event_score``.

A run need not recount the quarters it shares with the previous run. :func:`build` takes ``after_qi`` = K and
then builds only the versions whose counting changes after quarter K (those that start or end after it, and the
current members of the duplicate groups that change with them), and :func:`quarter_tables` adds their changes to
the tables as they stood at K (a :class:`TableState`, kept by the previous run: pv.signals.asof_checkpoint).
With K = 0 and an empty state this is the full count.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from pv import db
from pv.errors import PvError
from pv.stats import fit_mgps
from pv.stats.mgps import DEFAULT_STARTS, MGPSPrior, neg_log_likelihood

SQUASH_ABOVE = 50_000   # distinct (a, E) points above which an as-of fit runs on the squashed table

# the standardized models that build an earlier version's rows, with their inputs for those versions
_MODELS = (
    ("case_report", "asof_case_report", {"raw_demo": "asof_raw_demo", "raw_outc": "raw_outc",
                                         "raw_rpsr": "raw_rpsr", "raw_deleted_case": "asof_no_deleted_case",
                                         "raw_report_csv": "asof_no_report_csv",
                                         "raw_icsr_report": "asof_no_icsr_report"}),
    ("case_drug", "asof_case_drug", {"case_report": "asof_case_report", "raw_report_csv": "asof_no_report_csv",
                                     "raw_icsr_drug": "raw_icsr_drug"}),
    ("case_event", "asof_case_event", {"case_report": "asof_case_report", "raw_report_csv": "asof_no_report_csv",
                                       "raw_icsr_reaction": "raw_icsr_reaction"}),
    ("case_indication", "asof_case_indication", {"case_report": "asof_case_report",
                                                 "raw_icsr_drug": "raw_icsr_drug"}),
    ("case_signature", "asof_case_signature", {"case_report": "asof_case_report", "case_drug": "asof_case_drug",
                                               "case_event": "asof_case_event"}),
)


@dataclass
class TableState:
    """Every pair's 2x2 margins at the end of quarter ``qi`` (1-based; 0 = before any data), by name: the pairs
    with a > 0 (indexes into ``drugs`` and the events), each drug's and each event's reports, N, and the priors in
    force then (the next quarter's fit starts from them). Unstratified only."""

    qi: int
    quarters: list[str]             # the quarters up to qi, oldest first
    drugs: np.ndarray               # ingredient names (object)
    event_levels: np.ndarray        # each event's level (object)
    events: np.ndarray              # each event's name (object)
    pair_drug: np.ndarray           # int64
    pair_event: np.ndarray          # int64
    a: np.ndarray                   # int64
    n_drug: np.ndarray              # int64, one per drug
    n_event: np.ndarray             # int64, one per event
    n_total: int
    priors: dict[str, MGPSPrior]

    @classmethod
    def empty(cls) -> TableState:
        none = np.zeros(0, dtype=object)
        zero = np.zeros(0, dtype=np.int64)
        return cls(0, [], none, none, none, zero, zero, zero, zero, zero, 0, {})


@dataclass
class QuarterTable:
    """The 2x2 tables of the drugs of interest at one quarter end, and the priors fitted on that quarter's data."""

    quarter: str
    counts: pd.DataFrame            # level, drug, event, a, b, c, d (and expected when stratified)
    priors: dict[str, MGPSPrior]    # level -> prior used at that quarter
    sources: dict[str, str]         # level -> how the prior was obtained
    n_reports: int
    state: TableState | None = None  # every pair's margins then, at the quarter quarter_tables was asked to keep


@dataclass
class PriorCache:
    """Priors fitted at earlier quarter ends, by the digest of the table they were fitted on (``asof_prior_cache``).
    ``used`` collects what this run fitted or reused; :meth:`save` records them."""

    known: dict[str, MGPSPrior]
    used: dict[str, MGPSPrior] = field(default_factory=dict)
    hits: int = 0

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> PriorCache:
        db.execute(con, "analytics/asof_prior_cache_schema")
        rows = con.execute("select digest, prior from asof_prior_cache").fetchall()
        return cls({d: MGPSPrior.from_dict(json.loads(p)) for d, p in rows})

    def get(self, digest: str) -> MGPSPrior | None:
        prior = self.known.get(digest)
        if prior is not None:
            self.hits += 1
            self.used[digest] = prior
        return prior

    def put(self, digest: str, prior: MGPSPrior) -> None:
        self.used[digest] = prior

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        """Record what this run used (now), and drop what no run has used for 60 days."""
        con.begin()
        try:
            if self.used:
                con.executemany("insert or replace into asof_prior_cache (digest, prior, last_used_at) "
                                "values (?, ?, current_timestamp)",
                                [(d, json.dumps(p.as_dict(), default=str)) for d, p in self.used.items()])
            con.execute("delete from asof_prior_cache where last_used_at < current_timestamp - interval 60 days")
            con.commit()
        except BaseException:
            con.rollback()
            raise


def _name_hashes(names) -> np.ndarray:
    """A 64-bit hash of each name (stable across runs and machines, unlike Python's hash)."""
    return np.asarray([int.from_bytes(hashlib.blake2b(str(n).encode(), digest_size=8).digest(), "little")
                       for n in names], dtype=np.uint64)


def table_digest(level: str, drug_hash, event_hash, a, expected) -> str:
    """A digest of one level's table: which pairs, their a, and their E (to 1e-9 relative)."""
    with np.errstate(over="ignore"):
        pair = drug_hash * np.uint64(0x9E3779B97F4A7C15) ^ event_hash
        e_code = np.round(np.log(expected) * 1e9).astype(np.int64).view(np.uint64)
        parts = [(pair * a.astype(np.uint64)).sum(), (pair * e_code).sum(), (pair ^ e_code).sum(), np.uint64(a.size)]
    return hashlib.sha256(json.dumps([level, [int(x) for x in parts]]).encode()).hexdigest()


def quarters(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Number the quarters of the loaded data (``asof_quarter``); returns them, oldest first."""
    db.execute(con, "analytics/asof_quarter")
    return [r[0] for r in con.execute("select quarter from asof_quarter order by qi").fetchall()]


def build(con: duckdb.DuckDBPyConnection, settings, levels: list[str], say: Callable[[str], None],
          after_qi: int = 0) -> list[str]:
    """Materialize the as-of tables (temporary) for ``settings``; returns the quarters, oldest first. With
    ``after_qi`` = K, only what changes after quarter K (see the module docstring). Needs
    :func:`pv.signals.prepare` to have run on this connection (term index, levels, categories, exclusions)."""
    from pv.signals import ROLE_SETS

    result = quarters(con)
    after = {"after_qi": after_qi}
    say("finding each case's versions as they stood at every quarter end" if not after_qi else
        f"finding the case versions that change after {result[after_qi - 1]}")
    db.execute(con, "analytics/asof_versions", after)
    for model, table, inputs in _MODELS:
        db.materialize(con, f"standardized/{model}", table, inputs, temporary=True)
    say("grouping probable duplicates as they stood at every quarter end" if not after_qi else
        "grouping the probable duplicates those versions can change")
    db.execute(con, "analytics/asof_duplicates", after)
    db.materialize(con, "standardized/case_duplicate", "asof_dup_result", {"case_signature": "asof_dup_input"},
                   temporary=True)
    db.execute(con, "analytics/asof_universe", {"roles": ROLE_SETS[settings.roles], "scope": settings.scope_param()})
    db.materialize(con, "analytics/pt_level_event", "asof_pt_level_event", {"pt_key": "asof_pt_key"}, temporary=True)
    db.execute(con, "analytics/asof_steps", {"levels": levels, "collapse_duplicates": settings.collapse_duplicates,
                                             "stratified": settings.stratified, **after})
    from pv.signals import sharded

    if settings.engine == "dask":
        say("counting each quarter's changes on the Dask cluster")
    sharded.compute_parts(con, settings, sharded.QUARTERS, {})
    db.execute(con, "analytics/asof_delta")
    return result


def _event_keys(levels: np.ndarray, events: np.ndarray) -> np.ndarray:
    return np.asarray([f"{lvl}\x1f{e}" for lvl, e in zip(levels, events, strict=True)], dtype=object)


def _positions(known: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``known`` extended by the ``names`` it lacks, and each name's position in the result."""
    pos = pd.Index(known).get_indexer(names) if known.size else np.full(names.size, -1)
    new = pos < 0
    pos[new] = known.size + np.arange(int(new.sum()))
    return np.concatenate([known, names[new]]), pos.astype(np.int64)


def _grouped(con, sql: str, n_quarters: int) -> list[dict[str, np.ndarray]]:
    """The rows of a delta table split by quarter index (1-based), as numpy columns."""
    cols = con.execute(sql).fetchnumpy()
    cols = {k: np.asarray(v) for k, v in cols.items()}
    order = np.argsort(cols["qi"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    bounds = np.searchsorted(cols["qi"], np.arange(1, n_quarters + 2))
    return [{k: v[bounds[i]:bounds[i + 1]] for k, v in cols.items()} for i in range(n_quarters)]


def quarter_tables(con: duckdb.DuckDBPyConnection, settings, drugs: list[str], final_priors: dict[str, MGPSPrior],
                   quarters: list[str], say: Callable[[str], None], min_pairs_own_prior: int,
                   cache: PriorCache, start: TableState | None = None,
                   keep_qi: int | None = None) -> Iterator[QuarterTable]:
    """Add up the changes of :func:`build` quarter by quarter, from ``start`` (the tables at the quarter
    :func:`build` was given as ``after_qi``; None: from nothing); yield each later quarter's tables for ``drugs``.
    The table of quarter ``keep_qi`` carries the whole state then (``QuarterTable.state``)."""
    nq = len(quarters)
    start = start or TableState.empty()
    if settings.stratified and start.qi:
        raise PvError("time to signal: a stratified run counts every quarter; it cannot start from a checkpoint.")
    # names: the start's, then those the changes bring (an id of asof_drug / asof_level_event -> a position)
    drug_names, drug_pos = _positions(start.drugs, np.asarray(
        [r[0] for r in con.execute("select drug from asof_drug order by drug_id").fetchall()], dtype=object))
    events = con.execute("select level, event from asof_level_event order by event_id").fetchall()
    levels_new = np.asarray([lvl for lvl, _ in events], dtype=object)
    names_new = np.asarray([e for _, e in events], dtype=object)
    event_keys, event_pos = _positions(_event_keys(start.event_levels, start.events),
                                       _event_keys(levels_new, names_new))
    added = event_pos >= start.events.size          # _positions appends the names it lacks in their order
    event_level = np.concatenate([start.event_levels, levels_new[added]])
    event_name = np.concatenate([start.events, names_new[added]])
    n_drugs, n_events = drug_names.size, event_keys.size
    per_drug = max(n_events, 1)                     # a pair's key: drug position * per_drug + event position
    wanted = np.isin(drug_names, np.asarray(drugs, dtype=object))
    drug_hash = _name_hashes(drug_names)
    event_hash = _name_hashes(event_keys)

    pair = _grouped(con, "select qi, drug_id, event_id, delta from asof_pair_delta", nq)
    held = start.pair_drug * per_drug + start.pair_event
    every = np.concatenate([held, *(drug_pos[p["drug_id"] - 1] * per_drug + event_pos[p["event_id"] - 1]
                                    for p in pair)])
    keys, inverse = np.unique(every, return_inverse=True)
    pair_drug, pair_event = np.divmod(keys, per_drug)
    starts = held.size + np.cumsum([0] + [p["qi"].size for p in pair])
    drug_d = _grouped(con, "select qi, drug_id, delta from asof_drug_delta", nq)
    event_d = _grouped(con, "select qi, event_id, delta from asof_event_delta", nq)
    total_d = _grouped(con, "select qi, delta from asof_total_delta", nq)
    if settings.stratified:
        n_strata = db.one(con, "select count(distinct stratum_id) from asof_stratum")[0]
        drug_s = _grouped(con, "select qi, drug_id, stratum_id, delta from asof_drug_stratum_delta", nq)
        event_s = _grouped(con, "select qi, event_id, stratum_id, delta from asof_event_stratum_delta", nq)
        total_s = _grouped(con, "select qi, stratum_id, delta from asof_total_stratum_delta", nq)
        dm_s, em_s, n_s = (np.zeros((n_drugs, n_strata)), np.zeros((n_events, n_strata)), np.zeros(n_strata))

    a = np.zeros(keys.size, dtype=np.int64)
    a[inverse[:held.size]] = start.a
    n_drug, n_event = np.zeros(n_drugs, np.int64), np.zeros(n_events, np.int64)
    n_drug[:start.n_drug.size], n_event[:start.n_event.size] = start.n_drug, start.n_event
    n_total = start.n_total
    previous: dict[str, MGPSPrior] = dict(start.priors)

    def state(qi: int) -> TableState:
        live = np.flatnonzero(a > 0)
        return TableState(qi, quarters[:qi], drug_names, event_level, event_name, pair_drug[live], pair_event[live],
                          a[live].copy(), n_drug.copy(), n_event.copy(), n_total, dict(previous))

    for i in range(start.qi, nq):
        quarter = quarters[i]
        a[inverse[starts[i]:starts[i + 1]]] += pair[i]["delta"]
        n_drug[drug_pos[drug_d[i]["drug_id"] - 1]] += drug_d[i]["delta"]
        n_event[event_pos[event_d[i]["event_id"] - 1]] += event_d[i]["delta"]
        n_total += int(total_d[i]["delta"].sum())
        if settings.stratified:
            np.add.at(dm_s, (drug_pos[drug_s[i]["drug_id"] - 1], drug_s[i]["stratum_id"]), drug_s[i]["delta"])
            np.add.at(em_s, (event_pos[event_s[i]["event_id"] - 1], event_s[i]["stratum_id"]), event_s[i]["delta"])
            np.add.at(n_s, total_s[i]["stratum_id"], total_s[i]["delta"])
        if n_total == 0:
            continue
        live = np.flatnonzero(a > 0)
        d_id, e_id, cell_a = pair_drug[live], pair_event[live], a[live]
        nd, ne = n_drug[d_id], n_event[e_id]
        if settings.stratified:
            weight = np.divide(1.0, n_s, out=np.zeros_like(n_s), where=n_s > 0)
            expected = _stratified_expected(dm_s * weight, em_s, d_id, e_id)
        else:
            expected = (nd * ne) / n_total
        last = i == nq - 1
        say(f"time to signal: {quarter} ({n_total:,} reports, {live.size:,} pairs)")
        def digest(mask, lvl, d_id=d_id, e_id=e_id, cell_a=cell_a, expected=expected):
            return table_digest(lvl, drug_hash[d_id[mask]], event_hash[e_id[mask]], cell_a[mask], expected[mask])

        priors, sources = _quarter_priors(event_level[e_id], cell_a, expected, previous, final_priors, last,
                                          min_pairs_own_prior, cache, digest)
        previous = priors
        keep = wanted[d_id]
        counts = pd.DataFrame({
            "level": event_level[e_id[keep]], "drug": drug_names[d_id[keep]], "event": event_name[e_id[keep]],
            "quarter": quarter, "a": cell_a[keep], "b": nd[keep] - cell_a[keep], "c": ne[keep] - cell_a[keep],
            "d": n_total - nd[keep] - ne[keep] + cell_a[keep]})
        if settings.stratified:
            counts["expected"] = expected[keep]
        yield QuarterTable(quarter, counts, priors, sources, n_total, state(i + 1) if i + 1 == keep_qi else None)


def _stratified_expected(drug_weighted: np.ndarray, event_strata: np.ndarray, d_id, e_id, chunk: int = 200_000):
    """E = sum over strata s of n1.s * n.1s / N_s for each pair (drug_weighted already divided by N_s)."""
    out = np.empty(d_id.size)
    for s in range(0, d_id.size, chunk):
        out[s:s + chunk] = np.einsum("ij,ij->i", drug_weighted[d_id[s:s + chunk]], event_strata[e_id[s:s + chunk]])
    return out


def _quarter_priors(level, a, expected, previous: dict[str, MGPSPrior], final_priors: dict[str, MGPSPrior],
                    last: bool, min_pairs_own_prior: int, cache: PriorCache,
                    digest) -> tuple[dict[str, MGPSPrior], dict[str, str]]:
    """Each level's prior at one quarter end, chosen as pv.signals.score_counts chooses the run's: the PT level and
    any level with enough pairs fit their own, the others borrow the PT level's. ``final_priors``: the run's
    (used as they are at the ``last`` quarter); ``digest(mask, level)``: the key of a level's table in ``cache``."""
    from pv.levels import LEVELS

    priors: dict[str, MGPSPrior] = {}
    sources: dict[str, str] = {}
    for lvl in LEVELS:
        mask = level == lvl
        n = int(mask.sum())
        if n == 0:
            continue
        own = lvl == "pt" or n >= min_pairs_own_prior or "pt" not in priors
        if last and lvl in final_priors:
            priors[lvl], sources[lvl] = final_priors[lvl], "the run's prior (fitted on these tables)"
        elif own:
            key = digest(mask, lvl)
            hit = cache.get(key)
            if hit is not None:
                priors[lvl], sources[lvl] = hit, "fitted at this quarter end by an earlier run on the same table"
                continue
            warm = previous.get(lvl) or previous.get("pt") or priors.get("pt")
            try:
                priors[lvl], sources[lvl] = _fit(a[mask], expected[mask], warm, lvl in previous)
                cache.put(key, priors[lvl])
            except PvError:
                # a small early table can leave the two-gamma fit without a converged optimum: say so, and use the
                # nearest prior known at this quarter end (the previous quarter's, this quarter's PT-level one,
                # else one that depends on no data), never one fitted on later quarters
                fallback = [(previous.get(lvl), "the previous quarter's prior"),
                            (priors.get("pt"), "this quarter's PT-level prior"),
                            (reference_prior(a[mask], expected[mask]), "DuMouchel's (1999) starting prior")]
                prior, what = next((p, w) for p, w in fallback if p is not None)
                priors[lvl], sources[lvl] = prior, f"not fitted (no convergence on {n:,} pairs): {what} used"
        else:
            priors[lvl], sources[lvl] = priors["pt"], "pt-level prior of this quarter (too few pairs to fit)"
    return priors, sources


def reference_prior(a, expected) -> MGPSPrior:
    """DuMouchel's (1999) starting values (α1 0.2, β1 0.1, α2 2, β2 4, p 1/3) as a prior, with its −log L on
    this table: the prior of a quarter end whose own fit fails and that has no earlier one, as it depends on no
    data (borrowing the run's prior would use the quarters after it)."""
    theta = DEFAULT_STARTS[0]
    return MGPSPrior(*theta, nll=neg_log_likelihood(theta, a, expected), converged=False,
                     n_pairs=int(np.count_nonzero(np.asarray(a) >= 1)), method="reference (not fitted)",
                     warnings=["no fit converged: DuMouchel's (1999) starting values used as the prior"])


def _fit(a, expected, warm: MGPSPrior | None, warm_is_previous: bool) -> tuple[MGPSPrior, str]:
    """Fit from the warm start and one usual point; if that does not converge (small early tables can make the
    previous prior a near point mass), from every usual start, as the run fits."""
    if warm is not None:
        try:
            prior = fit_mgps(a, expected, starts=(tuple(warm.theta), *DEFAULT_STARTS[:1]), squash_above=SQUASH_ABOVE,
                             squash_bins=2000, polish=False)
            return prior, "fitted at this quarter end, started from " + (
                "the previous quarter's prior" if warm_is_previous else "this quarter's PT-level prior")
        except PvError:
            pass
    starts = DEFAULT_STARTS if warm is None else (tuple(warm.theta), *DEFAULT_STARTS)
    return (fit_mgps(a, expected, starts=starts, squash_above=SQUASH_ABOVE, squash_bins=2000, polish=False),
            "fitted at this quarter end")
