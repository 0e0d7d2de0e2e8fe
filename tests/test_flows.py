"""The nightly Prefect flow end to end, on generated quarters delivered one at a time into an inbox."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from pv import runs, synth
from pv.stats import disproportionality


@pytest.fixture(scope="session")
def prefect(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect_home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        from flows.nightly import nightly_signal_run

        yield nightly_signal_run


@pytest.fixture(scope="module")
def quarters(tmp_path_factory):
    out = tmp_path_factory.mktemp("staging")
    return synth.write_quarters(out, reports=9_000, quarters=3, start="2019Q1", seed=5)


def config_file(tmp_path: Path, inbox: Path, db: Path, criteria=("eb05",)) -> Path:
    path = tmp_path / "pv.toml"
    path.write_text(f'inbox = "{inbox}"\ndatabase = "{db}"\ndrugs_of_interest = ["ALEMTUZUMAB", "NATALIZUMAB"]\n'
                    f'signal_criteria = {list(criteria)!r}\nreports_dir = "{tmp_path / "reports"}"\n'
                    'report_formats = ["csv"]\n'.replace("'", '"'))
    return path


def read(db: Path, sql: str, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def test_quarters_delivered_one_at_a_time(prefect, quarters, tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "pv.duckdb"
    inbox.mkdir()
    cfg = config_file(tmp_path, inbox, db)

    shutil.copy(quarters[0], inbox)
    first = prefect(config=str(cfg))
    assert [r["quarter"] for r in first["loaded"]] == ["2019Q1"]
    assert first["n_signals"] > 0 and first["new"] == first["n_signals"] and first["persisting"] == 0

    again = prefect(config=str(cfg))                          # nothing new: picked up once
    assert again["loaded"] == [] and again["new"] == 0 and again["persisting"] == first["n_signals"]
    assert again["method_changes"] == [] and again["re_emerged"] == 0       # same method, new data only

    shutil.copy(quarters[1], inbox)
    shutil.copy(quarters[2], inbox)
    third = prefect(config=str(cfg))
    assert [r["quarter"] for r in third["loaded"]] == ["2019Q2", "2019Q3"]
    runs_table = read(db, "select run_id, status, data_cutoff_quarter from signal_run order by run_id")
    assert runs_table == [(1, "completed", "2019Q1"), (2, "completed", "2019Q1"), (3, "completed", "2019Q3")]
    status = dict(read(db, "select event, status from signal_history where drug = 'ALEMTUZUMAB' and level = 'pt'"))
    assert status["BASEDOW'S DISEASE"] == "persisting"       # a signal since run 1
    assert set(status.values()) <= {"new", "persisting", "re-emerged", "no longer met"}
    assert third["method_changes"] == []                     # new data is not a method change
    assert read(db, "select count(*) from signal_history where status = 'new'")[0][0] == third["new"]
    # the run's report and the Prefect artifact
    report = Path(third["report"])
    assert report.name == "3" and (report / "run_signals.csv").exists() and (report / "data_quality.html").exists()
    assert (report / "signals.csv").exists() and (report / "manifest.json").exists()   # the signal report (CSV)
    history = read(db, "select first_run_id, first_signal_quarter from signal_history "
                       "where drug = 'ALEMTUZUMAB' and event = 'autoimmunity / thyroid'")
    assert history == [(1, "2019Q1")]
    # the configuration is recorded with every run
    assert "ALEMTUZUMAB" in read(db, "select config from signal_run where run_id = 3")[0][0]


def test_time_to_signal_is_the_cumulative_table_at_each_quarter_end(prefect, quarters, tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "pv.duckdb"
    inbox.mkdir()
    for q in quarters:
        shutil.copy(q, inbox)
    prefect(config=str(config_file(tmp_path, inbox, db, criteria=("ror025",))))
    pair = ("ALEMTUZUMAB", "HYPERTHYROIDISM")
    rows = read(db, "select quarter, a, b, c, d, ror_lower, is_signal from signal_by_quarter "
                    "where level = 'pt' and drug = $d and event = $e order by quarter", {"d": pair[0], "e": pair[1]})
    assert [r[0] for r in rows] == ["2019Q1", "2019Q2", "2019Q3"] or [r[0] for r in rows][-1] == "2019Q3"
    # each quarter's cells cover that quarter's universe (N recorded with its prior); the last quarter is the
    # run's own table (tests/test_time_to_signal.py checks every quarter against the run made at its end)
    n_by_quarter = dict(read(db, "select quarter, n_reports from signal_by_quarter_prior where level = 'pt'"))
    import pandas as pd

    for quarter, a, b, c, d, ror_lower, is_signal in rows:
        assert a + b + c + d == n_by_quarter[quarter], quarter
        ref = disproportionality(pd.DataFrame({"a": [a], "b": [b], "c": [c], "d": [d]}), mgps=False)
        assert ror_lower == pytest.approx(ref.loc[0, "ror_lower"])
        assert is_signal == bool(ror_lower > 1 and a >= 3)
    final = read(db, "select a, b, c, d from drug_event_score where level = 'pt' and drug = $d and event = $e and "
                     "run_id = (select max(score_run_id) from signal_run)", {"d": pair[0], "e": pair[1]})
    assert final == [rows[-1][1:5]]
    first = read(db, "select first_signal_quarter from signal_history where level = 'pt' and drug = $d and event = $e",
                 {"d": pair[0], "e": pair[1]})[0][0]
    assert first == min(r[0] for r in rows if r[6])


def test_the_flow_on_a_dask_task_runner_gives_the_single_node_results(prefect, quarters, tmp_path):
    """engine = "dask": the flow starts a DaskTaskRunner (a local cluster of 2 processes), and every shard that
    scoring, time to signal and the subgroups count is a task run on it; every table equals the one-node run's."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    results = {}
    for engine in ("duckdb", "dask"):
        inbox, db = tmp_path / engine / "inbox", tmp_path / engine / "pv.duckdb"
        inbox.mkdir(parents=True)
        for q in quarters[:2]:      # two quarters: time to signal has a quarter before the last
            shutil.copy(q, inbox)
        cfg = config_file(tmp_path / engine, inbox, db)
        cfg.write_text(f'engine = "{engine}"\n' + cfg.read_text() + "\n[dask]\nlocal_workers = 2\nshards = 3\n")
        result = prefect(config=str(cfg))
        tables = {}
        for table, key in (("drug_event_score", "level, drug, event"),
                           ("signal_by_quarter", "quarter, level, drug, event"),
                           ("signal_subgroup", "subgroup_kind, subgroup, level, drug, event")):
            with duckdb.connect(str(db), read_only=True) as con:
                tables[table] = con.sql(f"select * exclude (run_id) from {table} order by {key}").df()  # noqa: S608
        results[engine] = (result, tables)
    one, many = results["duckdb"], results["dask"]
    assert many[0]["n_signals"] == one[0]["n_signals"] > 0
    for table, frame in one[1].items():
        assert len(frame) > 100, table
        import pandas as pd

        pd.testing.assert_frame_equal(many[1][table], frame, obj=table)
    with get_client(sync_client=True) as client:
        shard_runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="count one shard")))
    # 3 shards each for the 2x2 tables, the quarters' changes and the subgroups
    assert len(shard_runs) == 9 and all(r.state.is_completed() for r in shard_runs)


def test_a_failed_run_leaves_the_previous_results(prefect, quarters, tmp_path, monkeypatch):
    inbox, db = tmp_path / "inbox", tmp_path / "pv.duckdb"
    inbox.mkdir()
    shutil.copy(quarters[0], inbox)
    cfg = config_file(tmp_path, inbox, db)
    prefect(config=str(cfg))
    before = read(db, "select * exclude (run_id) from signals_latest order by all")
    shutil.copy(quarters[1], inbox)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing signals")

    monkeypatch.setattr(runs, "record_signals", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        prefect(config=str(cfg))
    assert read(db, "select status, error from signal_run order by run_id desc limit 1") == [
        ("failed", "RuntimeError: disk full while writing signals")]
    assert read(db, "select * exclude (run_id) from signals_latest order by all") == before
    assert read(db, "select max(run_id) from signals_latest")[0][0] == 1


def test_a_killed_run_is_marked_failed_by_the_next(prefect, quarters, tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "pv.duckdb"
    inbox.mkdir()
    shutil.copy(quarters[0], inbox)
    cfg = config_file(tmp_path, inbox, db)
    with duckdb.connect(str(db)) as con:           # a run that started and died without a word
        from pv.config import load_config

        runs.start_run(con, load_config(cfg))
    result = prefect(config=str(cfg))
    assert read(db, "select run_id, status, coalesce(error like 'interrupted%', false) from signal_run order by run_id") == [
        (1, "failed", True), (result["run_id"], "completed", False)]


def test_a_second_concurrent_run_is_refused(prefect, quarters, tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "pv.duckdb"
    inbox.mkdir()
    cfg = config_file(tmp_path, inbox, db)
    with runs.run_lock(db):
        with pytest.raises(runs.RunLocked, match="Another pv run is using .* Wait for it to finish"):
            prefect(config=str(cfg))
        # and from another process, the command line says the same in one sentence
        out = subprocess.run([sys.executable, "-m", "pv.cli", "run", "--config", str(cfg)], capture_output=True,
                             text=True, timeout=300, env={**os.environ})
        assert out.returncode == 1 and "Another pv run is using" in out.stderr and "Traceback" not in out.stderr
    assert not db.exists() or read(db, "select count(*) from signal_run where status = 'running'")[0][0] == 0


def test_deployment_has_a_nightly_schedule(prefect):
    spec = yaml.safe_load((Path(__file__).parent.parent / "prefect.yaml").read_text())
    (deployment,) = spec["deployments"]
    assert deployment["entrypoint"] == "flows/nightly.py:nightly_signal_run"
    assert deployment["schedules"][0]["cron"] == "0 2 * * *"
    built = prefect.to_deployment(name="nightly", cron="0 2 * * *")
    assert built.schedules and built.schedules[0].schedule.cron == "0 2 * * *"
