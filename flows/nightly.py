"""The nightly signal run: new quarters in, signals out, compared with the previous run.

Each task calls one pv function and opens its own connection; only I/O (reading the inbox files) is retried. A
task that finds the database held by a reader (an analyst's `pv query` or `pv shell`) waits for it, retrying
with backoff up to ``busy_timeout`` seconds (pv.toml), so a reader never breaks a run; analysts who read during
runs should use the published copy. A run is complete only when its report is in place.
Run once with ``pv run`` (or ``python flows/nightly.py``); on a schedule with ``pv serve`` or the deployment in
``prefect.yaml``. With ``engine = "dask"`` the flow starts a DaskTaskRunner (on ``[dask] scheduler``, or a local
cluster), and every shard that scoring, time to signal and the subgroups count is a task run on its workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError

from pv import db, runs
from pv import standardize as pv_standardize
from pv import validate as pv_validate
from pv.config import PvConfig, load_config
from pv.errors import PvError
from pv.signals import ScoreSettings, sharded
from pv.signals import score as pv_score

# Listeners told when a step starts and ends (the command line shows them): (step, seconds or None at the start);
# a long step's progress comes as (message, None).
STEP_LISTENERS: list[Callable[[str, float | None], None]] = []


class Database(NamedTuple):
    """The database a run writes, and how long a task waits for a reader to let go of it (``busy_timeout``)."""

    path: str
    busy_timeout: float


def _connect(database: Database):
    """A writing connection that waits (with backoff) while a reader holds the file, saying so in the run log."""
    return db.connect(database.path, create=True, busy_timeout=database.busy_timeout, on_wait=_log_wait)


def _log_wait(message: str) -> None:
    try:
        log = get_run_logger()
    except MissingContextError:      # called outside a flow run (scripts, tests)
        log = logging.getLogger(__name__)
    log.warning("waiting: %s", message)


def _retry_on_io_error(task, task_run, state) -> bool:
    """Retry a task only when it failed on I/O (a file being written, a network share hiccup)."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


@task(name="find new files")
def find_new_sources(database: Database, inbox: str) -> list[str]:
    with _connect(database) as con:
        return runs.new_inbox_sources(con, inbox)


@task(name="ingest", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_retry_on_io_error)
def ingest_source(database: Database, source: str, max_bad_rate: float) -> list[dict]:
    with _connect(database) as con:
        results = runs.ingest_inbox_source(con, source, max_bad_rate)
    return [{"quarter": r.quarter, "source": Path(r.source).name, "status": r.status, "rows": sum(r.rows.values()),
             "quarantined": r.n_quarantined} for r in results]


@task(name="standardize")
def standardize_layer(database: Database, meddra_version: str | None) -> dict:
    with _connect(database) as con:
        return pv_standardize.build(con, meddra_version=meddra_version)


@task(name="validate standardized layer")
def validate_standardized_layer(database: Database, run_id: int, quarters: list[str]) -> int:
    with _connect(database) as con:
        outcomes = pv_validate.validate_standardized(con, quarters)
        pv_validate.record(con, run_id, None, None, outcomes)
    return sum(not o.success for o in outcomes)


@task(name="score")
def score_pairs(database: Database, cfg: PvConfig) -> int:
    settings = ScoreSettings.from_config(cfg)
    with _connect(database) as con:
        return pv_score(con, settings).run_id


@task(name="score named backgrounds")
def background_scores(database: Database, run_id: int, cfg: PvConfig) -> int:
    with _connect(database) as con:
        return len(runs.score_backgrounds(con, run_id, cfg))


@task(name="detect signals")
def detect_signals(database: Database, run_id: int, score_run_id: int, cfg: PvConfig) -> int:
    with _connect(database) as con:
        return runs.record_signals(con, run_id, score_run_id, cfg)


@task(name="assessments: reopen moved signals, mirror the store")
def carry_assessments(database: Database, run_id: int, cfg: PvConfig) -> int:
    with _connect(database) as con:
        return len(runs.assessment_step(con, run_id, cfg))


@task(name="time to signal")
def time_to_signal(database: Database, run_id: int, score_run_id: int, cfg: PvConfig) -> int:
    log = get_run_logger()

    def say(message: str) -> None:       # whether it starts from the checkpoint (or why not), then each quarter
        log.info(message)
        for listener in STEP_LISTENERS:
            listener(message, None)

    with _connect(database) as con:
        return runs.time_to_signal(con, run_id, score_run_id, cfg, progress=say)


@task(name="subgroups")
def subgroup_scores(database: Database, run_id: int, score_run_id: int, cfg: PvConfig) -> int:
    with _connect(database) as con:
        return runs.subgroups(con, run_id, score_run_id, cfg)


@task(name="masking")
def masking_ratios(database: Database, run_id: int, cfg: PvConfig) -> int:
    with _connect(database) as con:
        return runs.masking(con, run_id, cfg)


@task(name="time to onset")
def onset(database: Database, run_id: int, cfg: PvConfig) -> int:
    with _connect(database) as con:
        return runs.time_to_onset(con, run_id, cfg)


@task(name="compare with the previous run")
def compare_with_previous(database: Database, run_id: int, score_run_id: int) -> runs.Comparison:
    with _connect(database) as con:
        return runs.complete_run(con, run_id, score_run_id, report_pending=True)


@task(name="write the run's report")
def write_run_report(database: Database, run_id: int, cfg: PvConfig) -> str:
    out = runs.run_report_dir(cfg, database.path, run_id)
    with _connect(database) as con:
        written = str(runs.write_run_report(con, run_id, out, cfg))
        runs.finish_run(con, run_id)
    return written


@task(name="publish a copy for analysts", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_retry_on_io_error)
def publish(database: Database, dest: str) -> str:
    return str(runs.publish_copy(database.path, dest))


def _dask_task_runner(cfg: PvConfig):
    """With ``engine = "dask"``: the DaskTaskRunner the shards run on, connected to ``[dask] scheduler`` or
    starting a local cluster of ``local_workers`` processes; None otherwise."""
    if cfg.engine != "dask":
        return None
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise PvError("engine = \"dask\" needs the optional extra: install pv with `pip install 'pv[dask]'` (or "
                      "`uv sync --extra dask`) on this machine and every worker.") from None
    if cfg.dask.scheduler:
        return DaskTaskRunner(address=cfg.dask.scheduler)
    return DaskTaskRunner(cluster_kwargs={"n_workers": cfg.dask.local_workers, "threads_per_worker": 1,
                                          "processes": True, "dashboard_address": None})


# Each shard's counting is a task run of the flow, on the DaskTaskRunner's workers (pv.signals.sharded).
count_shard = task(sharded.shard_parts, name="count one shard", cache_policy=NO_CACHE)


@contextmanager
def _shards_on(task_runner) -> Iterator[None]:
    """Within this block, pv's sharded counting maps ``count_shard`` over the DaskTaskRunner (started here), after
    checking that its workers run this pv version; without a runner, nothing changes."""
    if task_runner is None:
        yield
        return
    with task_runner:
        sharded.check_versions(task_runner.client)

        def mapper(paths, shards, works, params):
            futures = task_runner.map(count_shard, {"shard_path": paths, "shard": shards, "work": works,
                                                    "params": params})
            return [f.result() for f in futures]

        with sharded.shards_mapped_by(mapper):
            yield


class _Clock:
    """Seconds spent in each step of the flow, stored with the run (signal_run.step_seconds)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str):
        t0 = time.perf_counter()
        for listener in STEP_LISTENERS:
            listener(step, None)
        try:
            yield
        finally:
            self.seconds[step] = time.perf_counter() - t0
            for listener in STEP_LISTENERS:
                listener(step, self.seconds[step])


@flow(name="nightly_signal_run", flow_run_name="pv-{inbox}")
def nightly_signal_run(inbox: str | None = None, database: str | None = None, config: str | None = None,
                       wait: bool = False) -> dict:
    """Ingest new quarters from the inbox, validate, standardize, score, detect signals, compare with the
    previous run, write the run's report and publish a summary artifact."""
    cfg = load_config(config)
    inbox = inbox or cfg.inbox
    db_path = cfg.db_path(database)
    log = get_run_logger()
    target = Database(db_path, cfg.busy_timeout)
    with runs.run_lock(db_path, wait=wait), _shards_on(_dask_task_runner(cfg)):
        with _connect(target) as con:
            run_id = runs.start_run(con, cfg)
        clock = _Clock()
        try:
            with clock("ingest"):
                loaded = [r for source in find_new_sources(target, inbox)
                          for r in ingest_source(target, source, cfg.max_bad_rate)]
            log.info("loaded %d new quarter(s)", len(loaded))
            with clock("standardize"):
                built = standardize_layer(target, cfg.meddra_version)
            log.info("standardized layer: %s build (%s), %d case(s) rebuilt", built["mode"], built["reason"],
                     built["cases_rebuilt"])
            new_quarters = sorted({r["quarter"] for r in loaded if r["quarter"] and r["status"] != "skipped"})
            if new_quarters:
                with clock("validate standardized"):
                    validate_standardized_layer(target, run_id, new_quarters)
            with clock("score"):
                if cfg.backgrounds:   # first: the steps after scoring read the main run's analysis universe
                    background_scores(target, run_id, cfg)
                score_run_id = score_pairs(target, cfg)
            with clock("signals, masking"):
                n_signals = detect_signals(target, run_id, score_run_id, cfg)
                carry_assessments(target, run_id, cfg)
                masking_ratios(target, run_id, cfg)
            with clock("time to signal"):
                time_to_signal(target, run_id, score_run_id, cfg)
            with clock("subgroups, time to onset"):
                subgroup_scores(target, run_id, score_run_id, cfg)
                onset(target, run_id, cfg)
            with clock("compare"):
                comparison = compare_with_previous(target, run_id, score_run_id)
            with clock("report"):
                report = write_run_report(target, run_id, cfg)
            with _connect(target) as con:
                runs.record_step_times(con, run_id, clock.seconds)
        except BaseException as exc:
            with _connect(target) as con:
                runs.fail_run(con, run_id, exc)
            raise
        if cfg.published_copy:
            publish(target, cfg.published_copy)
    create_markdown_artifact(markdown=runs.markdown_summary(run_id, comparison, cfg), key="pv-signals",
                             description=f"pv signal run {run_id}")
    return {"run_id": run_id, "loaded": loaded, "n_signals": n_signals, "new": len(comparison.new),
            "persisting": len(comparison.persisting), "no_longer_met": len(comparison.no_longer_met),
            "re_emerged": len(comparison.re_emerged), "method_changes": comparison.method_changes, "report": report, "step_seconds": {k: round(v, 1) for k, v in clock.seconds.items()}}


if __name__ == "__main__":
    print(nightly_signal_run())
