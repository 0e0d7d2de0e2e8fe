"""Time to signal without hindsight (pv.signals.asof): at each quarter end, the cases as they stood then (the
latest version received by then, the deleted lists published by then, duplicates grouped as they were then) and
the priors fitted then; the last quarter is the run's own table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import demo_row, drug_row, reac_row, write_quarter

from pv import meddra, runs, synth
from pv.config import PvConfig
from pv.ingest import ingest_path

DEMO_MEDDRA = Path(__file__).parent.parent / "sample_data" / "meddra_demo"


def _case(pid, caseid, version, fda_dt, drug, pts, *, age="40", sex="F", country="US", event_dt="20181201"):
    return ([demo_row(pid, caseid, version, fda_dt, age=age, sex=sex, country=country, event_dt=event_dt)],
            [drug_row(pid, caseid, 1, "PS", drug)], [reac_row(pid, caseid, pt) for pt in pts])


def _quarter(path, quarter, cases, deleted: str | None = None):
    demo, drug, reac = [], [], []
    for d, g, r in cases:
        demo += d
        drug += g
        reac += r
    extra = {f"Deleted/DELETE{quarter[2:4]}Q{quarter[-1]}.txt": deleted.encode()} if deleted else None
    return write_quarter(path, quarter, {"DEMO": demo, "DRUG": drug, "REAC": reac}, extra_members=extra)


def _cells(con, run_id, drug="ALEMTUZUMAB", event="RASH"):
    return dict((q, (a, b, c, d)) for q, a, b, c, d in con.execute(
        "select quarter, a, b, c, d from signal_by_quarter where run_id = $r and level = 'pt' and drug = $d "
        "and event = $e order by quarter", {"r": run_id, "d": drug, "e": event}).fetchall())


def test_each_quarter_counts_the_cases_as_they_stood_then(tmp_path):
    """Worked by hand (drug ALEMTUZUMAB, event RASH; universe = cases with a drug and a PT, duplicates collapsed):
    2019Q1: cases 1 and 2 are copies (same drug, PT, demographics): 2 is retained (received later). Universe
            {2, 5, 6, 7}: a = 1 (2), b = 1 (7), c = 1 (6), d = 1 (5).
    2019Q2: case 2's follow-up reports PYREXIA instead, so it no longer duplicates 1, which counts again; case 8
            arrives. Universe {1, 2, 5, 6, 7, 8}: a = 2 (1, 8), b = 2 (2, 7), c = 1 (6), d = 1 (5).
    2019Q3: case 6 is deleted; case 9 arrives, and case 10, a copy of case 7 received later (10 is retained, 7
            no longer counts). Universe {1, 2, 5, 8, 9, 10}: a = 3, b = 2, c = 0, d = 1.
    With hindsight (each case's final version back-dated, today's grouping, no deletion date) 2019Q1 would read
    a = 1 (case 1 or 2, not both), b = 2 (case 2 as PYREXIA, 7), c = 0 (6 deleted), d = 1.
    Delivered one quarter at a time, each run after the first starts from the checkpoint of the one before: the
    same cells (case 10 groups with case 7, which no quarter after the checkpoint delivered)."""
    q1 = _quarter(tmp_path / "faers_ascii_2019q1.zip", "2019Q1", [
        _case(11, 1, 1, "20190110", "LEMTRADA", ["Rash"]),
        _case(21, 2, 1, "20190112", "LEMTRADA", ["Rash"]),
        _case(51, 5, 1, "20190110", "ASPIRIN", ["Nausea"], age="60"),
        _case(61, 6, 1, "20190110", "ASPIRIN", ["Rash"], age="61"),
        _case(71, 7, 1, "20190110", "LEMTRADA", ["Nausea"], age="62"),
    ])
    q2 = _quarter(tmp_path / "faers_ascii_2019q2.zip", "2019Q2", [
        _case(22, 2, 2, "20190410", "LEMTRADA", ["Pyrexia"]),
        _case(81, 8, 1, "20190410", "LEMTRADA", ["Rash"], age="63"),
    ])
    q3 = _quarter(tmp_path / "faers_ascii_2019q3.zip", "2019Q3", [
        _case(91, 9, 1, "20190710", "LEMTRADA", ["Rash"], age="64"),
        _case(101, 10, 1, "20190711", "LEMTRADA", ["Nausea"], age="62"),
    ], deleted="6\n")
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    for q in (q1, q2, q3):
        ingest_path(con, q)
    cfg = PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["prr"])
    run_id = runs.run_in_process(con, cfg)
    assert _cells(con, run_id) == {"2019Q1": (1, 1, 1, 1), "2019Q2": (2, 2, 1, 1), "2019Q3": (3, 2, 0, 1)}
    # each quarter's prior is recorded; the last is the run's own
    sources = dict(con.execute("select quarter, source from signal_by_quarter_prior where run_id = $r and level = 'pt'",
                               {"r": run_id}).fetchall())
    assert sources["2019Q3"].startswith("the run's prior") and sources["2019Q1"] == "fitted at this quarter end"
    assert sources["2019Q2"] == "fitted at this quarter end, started from the previous quarter's prior"
    # without duplicate collapsing, cases 1 and 2 both count in 2019Q1
    run2 = runs.run_in_process(con, cfg.model_copy(update={"collapse_duplicates": False}))
    assert _cells(con, run2)["2019Q1"] == (2, 1, 1, 1)
    assert _cells(con, run2)["2019Q3"] == (3, 3, 0, 1)                            # 7 and 10 both count
    one_at_a_time = duckdb.connect(str(tmp_path / "one_at_a_time.duckdb"))
    for q in (q1, q2, q3):
        ingest_path(one_at_a_time, q)
        run_id = runs.run_in_process(one_at_a_time, cfg)
    assert one_at_a_time.execute("select count(*) from signal_by_quarter_prior where run_id = $r and source like "
                                 "'carried over from run 2:%'", {"r": run_id}).fetchone()[0] > 0
    assert _cells(one_at_a_time, run_id) == {"2019Q1": (1, 1, 1, 1), "2019Q2": (2, 2, 1, 1), "2019Q3": (3, 2, 0, 1)}


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """Four generated quarters (follow-ups, deletions and duplicates arriving in later quarters) delivered one at a
    time, with a run after each: the run made when a quarter was the latest is what was known at its end."""
    out = tmp_path_factory.mktemp("asof")
    quarters = synth.write_quarters(out / "q", reports=4_000, quarters=4, start="2019Q1", seed=11)
    con = duckdb.connect(str(out / "pv.duckdb"))
    cfg = PvConfig(drugs_of_interest=["ALEMTUZUMAB", "NATALIZUMAB"])
    known = {}
    for path in quarters:
        ingest_path(con, path)
        run_id = runs.run_in_process(con, cfg)
        score_run = con.execute("select score_run_id, data_cutoff_quarter from signal_run where run_id = $r",
                                {"r": run_id}).fetchone()
        known[score_run[1]] = {r[:3]: r[3:] for r in con.execute(
            "select level, drug, event, a, b, c, d, expected, ebgm from drug_event_score "
            "where run_id = $s and drug in ('ALEMTUZUMAB', 'NATALIZUMAB')", {"s": score_run[0]}).fetchall()}
    yield con, cfg, run_id, known
    con.close()


def test_each_quarter_equals_the_run_made_when_it_was_the_latest(delivered):
    con, _, run_id, known = delivered
    assert con.execute("select count(*) from case_report where n_versions > 1").fetchone()[0] > 0   # follow-ups
    assert con.execute("select count(*) from raw_deleted_case").fetchone()[0] > 0                   # deletions
    rows = con.execute("select quarter, level, drug, event, a, b, c, d, expected, ebgm from signal_by_quarter "
                       "where run_id = $r", {"r": run_id}).fetchall()
    by_quarter: dict[str, dict] = {}
    for quarter, *key_and_values in rows:
        by_quarter.setdefault(quarter, {})[tuple(key_and_values[:3])] = tuple(key_and_values[3:])
    assert sorted(by_quarter) == sorted(known) == ["2019Q1", "2019Q2", "2019Q3", "2019Q4"]
    for quarter, then in known.items():
        now = by_quarter[quarter]
        assert set(now) == set(then), quarter
        for key, (a, b, c, d, e, ebgm) in then.items():
            assert now[key][:4] == (a, b, c, d), (quarter, key)
            assert now[key][4] == pytest.approx(e, rel=1e-12)
            # the prior refitted at that quarter end (warm-started) reaches the optimum the run reached then
            assert now[key][5] == pytest.approx(ebgm, rel=1e-3), (quarter, key)


def _last_quarter_vs_run(con, run_id):
    score_run = con.execute("select score_run_id from signal_run where run_id = $r", {"r": run_id}).fetchone()[0]
    return con.execute("""
        select count(*), count(s.run_id),
               count(*) filter (where q.a = s.a and q.b = s.b and q.c = s.c and q.d = s.d),
               max(abs(q.expected - s.expected) / s.expected), max(abs(q.ebgm - s.ebgm) / s.ebgm),
               max(abs(q.eb05 - s.eb05) / s.eb05), max(abs(q.ic025 - s.ic025))
        from signal_by_quarter as q
        left join drug_event_score as s on s.run_id = $s and s.level = q.level and s.drug = q.drug and s.event = q.event
        where q.run_id = $r and q.quarter = (select max(quarter) from signal_by_quarter where run_id = $r)""",
        {"r": run_id, "s": score_run}).fetchone(), con.execute(
        "select count(*) from drug_event_score where run_id = $s and drug in ('ALEMTUZUMAB', 'NATALIZUMAB')",
        {"s": score_run}).fetchone()[0]


@pytest.mark.parametrize("settings", [
    {"stratified": True},
    {"roles": "all", "collapse_duplicates": False},
    {"exclude_events": True, "categories": None},
    {"scope": {"serious_only": True, "reporters": "no_lawyers", "exclude_report_sources": ["SDY", "LIT"],
               "received_from": "2019-02-01", "countries": ["US", "GB", "DE", "FR"]}},
    {"scope": {"background_drugs": ["ALEMTUZUMAB", "NATALIZUMAB", "FINGOLIMOD", "OCRELIZUMAB", "INTERFERON BETA-1A"],
               "exclude_drugs": ["FINGOLIMOD"]}, "stratified": True},
    {"scope": {"background_indications": ["Relapsing-remitting multiple sclerosis", "Rheumatoid arthritis"]}},
    {"meddra": True, "stratified": True},
], ids=["stratified", "all-roles-no-dedup", "exclusions", "scope-filters", "background-unmasked",
        "background-indications", "meddra-levels-stratified"])
def test_last_quarter_is_the_runs_own_table_under_every_setting(delivered, settings):
    from pv.config import Scope

    con, cfg, _, _ = delivered
    settings = dict(settings)
    if "scope" in settings:
        settings["scope"] = Scope(**settings["scope"])
    if settings.pop("meddra", False):
        if not meddra.releases(con):
            meddra.load(con, DEMO_MEDDRA)
    run_id = runs.run_in_process(con, cfg.model_copy(update=settings))
    (n, matched, equal_cells, e_diff, ebgm_diff, eb05_diff, ic_diff), n_run = _last_quarter_vs_run(con, run_id)
    assert n == matched == equal_cells == n_run > 0
    assert max(e_diff, ebgm_diff, eb05_diff, ic_diff) < 1e-9
    if "meddra" in str(settings) or meddra.releases(con):
        levels = {r[0] for r in con.execute("select distinct level from signal_by_quarter where run_id = $r",
                                            {"r": run_id}).fetchall()}
        assert {"hlt", "soc", "subcategory"} <= levels


def test_subgroups_use_the_runs_stratified_expected_counts(delivered):
    """A stratified run's subgroups are stratified too: strata (age band x sex x report year) nest in the sex and
    age-band subgroups, so a subgroup's E is the sum, over its strata s, of n1.s * n.1s / N_s (recounted here from
    the run's analysis universe), and where a pair is reported in every subgroup of a kind, those add up to the
    run's own stratified E."""
    con, cfg, _, _ = delivered
    run_id = runs.run_in_process(con, cfg.model_copy(update={"stratified": True}))
    reference = con.execute("""
        with st as (
            select c.case_id, coalesce(c.sex, 'unknown') as sex,
                   case when c.age_years is null then 'unknown' when c.age_years < 18 then '0-17'
                        when c.age_years < 45 then '18-44' when c.age_years < 65 then '45-64'
                        when c.age_years < 75 then '65-74' else '75+' end as age,
                   coalesce(year(coalesce(c.received_date, c.fda_date))::varchar, 'unknown') as yr
            from case_report as c where c.case_id in (select case_id from analysis_exposure)
        ),
        ns as (select sex, age, yr, count(*) as n from st group by all),
        dr as (select st.sex, st.age, st.yr, count(*) as n from analysis_exposure as x join st using (case_id)
               where x.drug = 'ALEMTUZUMAB' group by all),
        ev as (select e.event, st.sex, st.age, st.yr, count(*) as n from analysis_event as e join st using (case_id)
               where e.level = 'pt' group by all)
        select ev.event, ev.sex, sum(dr.n * ev.n / ns.n)
        from dr join ev using (sex, age, yr) join ns using (sex, age, yr) group by all""").fetchall()
    expected = {(event, sex): e for event, sex, e in reference}
    rows = con.execute("select event, subgroup, expected from signal_subgroup where run_id = $r and level = 'pt' "
                       "and drug = 'ALEMTUZUMAB' and subgroup_kind = 'sex'", {"r": run_id}).fetchall()
    assert len(rows) > 50
    for event, sex, e in rows:
        assert e == pytest.approx(expected[(event, sex)], rel=1e-9), (event, sex)
    complete = con.execute("""
        select g.event, sum(g.expected), any_value(s.expected)
        from signal_subgroup as g
        join drug_event_score as s on s.run_id = (select score_run_id from signal_run where run_id = $r)
            and s.level = g.level and s.drug = g.drug and s.event = g.event
        where g.run_id = $r and g.level = 'pt' and g.drug = 'ALEMTUZUMAB' and g.subgroup_kind = 'sex'
        group by g.event having count(*) = 3""", {"r": run_id}).fetchall()
    assert len(complete) >= 5
    for _event, e_subgroups, e_run in complete:
        assert e_subgroups == pytest.approx(e_run, rel=1e-9)


def test_a_later_run_reuses_the_priors_fitted_on_the_same_tables(delivered):
    """Each earlier quarter's prior is kept under a digest of its table: a run whose tables are the same reuses it
    (a run that cannot start from the checkpoint, here because the signal criteria changed, refits only the
    quarters it adds), and a change to the tables (here: all roles) refits. A run that starts from the checkpoint
    carries the earlier quarters' priors over, saying from which run."""
    con, cfg, _, _ = delivered
    con.execute("delete from asof_checkpoint")                                # the first run counts every quarter
    first = runs.run_in_process(con, cfg)
    runs.run_in_process(con, cfg.model_copy(update={"stratified": True}))     # other tables in between
    again = runs.run_in_process(con, cfg)
    recounted = runs.run_in_process(con, cfg.model_copy(update={"signal_criteria": ["evans"]}))

    def priors(run_id):
        return {(q, lvl): (src, a1, p) for q, lvl, src, a1, p in con.execute(
            "select quarter, level, source, alpha1, p from signal_by_quarter_prior where run_id = $r "
            "and quarter < '2019Q4'", {"r": run_id}).fetchall()}

    before, carried, now = priors(first), priors(again), priors(recounted)
    assert before.keys() == carried.keys() == now.keys() and len(now) >= 9
    own = [k for k, (src, _, _) in before.items() if src.startswith("fitted at this quarter end")]
    assert own and all(now[k][0] == "fitted at this quarter end by an earlier run on the same table" for k in own)
    assert all(now[k][1:] == carried[k][1:] == before[k][1:] for k in own)
    assert all(carried[k][0] == f"carried over from run {first}: {before[k][0]}" for k in before)
    changed = runs.run_in_process(con, cfg.model_copy(update={"roles": "all"}))
    assert all(not src.startswith(("fitted at this quarter end by an earlier", "carried"))
               for src, _, _ in priors(changed).values())


def _by_quarter(con, run_id):
    stats = {r[:4]: r[4:] for r in con.execute(
        "select quarter, level, drug, event, a, b, c, d, expected, prr, ror, chi2_yates, ic025, ebgm, eb05, eb95, "
        "criteria_met, is_signal from signal_by_quarter where run_id = $r", {"r": run_id}).fetchall()}
    priors = {r[:2]: r[2:] for r in con.execute(
        "select quarter, level, n_reports, alpha1, beta1, alpha2, beta2, p, nll, n_pairs from signal_by_quarter_prior "
        "where run_id = $r", {"r": run_id}).fetchall()}
    sources = dict(con.execute("select quarter || ' ' || level, source from signal_by_quarter_prior where run_id = $r",
                               {"r": run_id}).fetchall())
    return stats, priors, sources


def test_a_run_from_the_checkpoint_equals_a_recount_of_every_quarter(tmp_path):
    """Quarters delivered one at a time (follow-ups, deletions and duplicates arriving later), with MedDRA levels and
    the exclusion rule: each run after the first starts from the checkpoint the run before kept, and counts only
    the quarters after it. The last run's every statistic and prior equal a recount of every quarter of the same
    database (the checkpoint removed). n_pairs of each level's prior checks the whole table, not only the drugs of
    interest."""
    quarters = synth.write_quarters(tmp_path / "q", reports=4_000, quarters=4, start="2019Q1", seed=23)
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    meddra.load(con, DEMO_MEDDRA)
    cfg = PvConfig(drugs_of_interest=["ALEMTUZUMAB", "NATALIZUMAB"], exclude_events=True)
    run_ids = []
    for path in quarters:
        ingest_path(con, path)
        run_ids.append(runs.run_in_process(con, cfg))
    resumed = run_ids[-1]
    stats, priors, sources = _by_quarter(con, resumed)
    # the last run counted only its last two quarters: the first two were carried over from the run before
    assert {q for q, s in sources.items() if s.startswith("carried over from run ")} == \
        {q for q in sources if q[:6] in ("2019Q1", "2019Q2")}
    assert {"hlt", "soc", "category"} <= {lvl for _, lvl in priors}
    con.execute("delete from asof_checkpoint")
    recount = runs.run_in_process(con, cfg)
    stats_again, priors_again, sources_again = _by_quarter(con, recount)
    assert not any(s.startswith("carried") for s in sources_again.values())
    assert stats.keys() == stats_again.keys() and len(stats) > 500
    assert priors == priors_again
    for key, values in stats.items():
        again = stats_again[key]
        assert values[:-2] == pytest.approx(again[:-2], rel=1e-12, nan_ok=True), key
        assert values[-2:] == again[-2:], key                         # criteria met, is_signal


def test_the_checkpoint_is_not_used_when_the_earlier_quarters_could_differ(delivered, tmp_path):
    """Another method (here: duplicates not collapsed) or a load that can add cases to earlier quarters (a report
    CSV) makes the next run count every quarter; an unchanged database starts from the checkpoint."""
    from pv.ingest import ingest_report_csv

    con, cfg, _, _ = delivered

    def carried(run_id):
        return con.execute("select count(*) from signal_by_quarter_prior where run_id = $r and source like 'carried%'",
                           {"r": run_id}).fetchone()[0]

    runs.run_in_process(con, cfg)
    assert carried(runs.run_in_process(con, cfg)) > 0
    assert carried(runs.run_in_process(con, cfg.model_copy(update={"collapse_duplicates": False}))) == 0
    runs.run_in_process(con, cfg)
    path = tmp_path / "more.csv"
    path.write_text("report_id,drug,event,role,received_date\n1,ALEMTUZUMAB,Rash,PS,2019-02-03\n")
    ingest_report_csv(con, path, mix_synthetic=True)         # (this test comes last: the module's data change)
    assert carried(runs.run_in_process(con, cfg)) == 0


def test_a_quarter_whose_fit_fails_borrows_no_prior_from_later_quarters(monkeypatch):
    """A quarter end whose prior fit does not converge uses the previous quarter's prior, else this quarter's
    PT-level one, else DuMouchel's (1999) starting values, which depend on no data: never the run's prior, which
    is fitted on the quarters after it."""
    from pv.errors import PvError
    from pv.signals import asof
    from pv.stats.mgps import DEFAULT_STARTS, MGPSPrior

    def no_convergence(*_a, **_k):
        raise PvError("fit_mgps: the prior fit did not converge")

    monkeypatch.setattr(asof, "_fit", no_convergence)
    a = np.array([1.0, 2.0, 5.0, 1.0])
    expected = np.array([0.5, 1.5, 0.8, 2.0])
    level = np.array(["pt"] * 4, dtype=object)
    runs_prior = {"pt": MGPSPrior(3.0, 0.5, 1.0, 1.0, 0.2, 1.0)}
    first = dict(previous={}, final_priors=runs_prior, last=False, min_pairs_own_prior=1,
                 cache=asof.PriorCache({}), digest=lambda _mask, lvl: lvl)
    priors, sources = asof._quarter_priors(level, a, expected, **first)
    assert tuple(priors["pt"].theta) == DEFAULT_STARTS[0] and priors["pt"] is not runs_prior["pt"]
    assert sources["pt"] == "not fitted (no convergence on 4 pairs): DuMouchel's (1999) starting prior used"
    assert priors["pt"].nll == pytest.approx(asof.neg_log_likelihood(DEFAULT_STARTS[0], a, expected))
    earlier = {"pt": MGPSPrior(0.4, 0.2, 3.0, 2.0, 0.5, 1.0)}
    priors, sources = asof._quarter_priors(level, a, expected, **{**first, "previous": earlier})
    assert priors["pt"] is earlier["pt"] and sources["pt"].endswith("the previous quarter's prior used")
