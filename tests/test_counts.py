"""Counting unique reports into 2x2 tables (sql/analytics/drug_event_counts.sql), categories, and scoring runs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import FAERS_2017Q2, demo_row, drug_row, reac_row, write_quarter

from pv import categorize, db, standardize
from pv.categorize.check import check
from pv.errors import PvError
from pv.ingest import ingest_path
from pv.signals import ScoreSettings, count_pairs, score

CATEGORIES = """
name: test_categories
version: "0.1"
categories:
  - name: thyroid_like
    subcategories:
      - name: xy
        rationale: X and Y together
        terms: [Event X, "event   y"]
        related_keywords: [EVENT]
      - name: only_y
        rationale: Y alone
        terms: [Event Y, Never Seen Term]
"""


@pytest.fixture
def small_db(con, tmp_path):
    """Seven reports, worked by hand below.

    case  drugs (role)            PTs            sex  note
    1     A (PS), B (C)           X, Y           F
    2     A (SS)                  X              M
    3     B (PS)                  X              F
    4     C (PS)                  Z              M
    5     A (PS)                  X, X (twice)   F    the repeated PT counts once
    6     A (PS)                  X              F    probable duplicate of 5 (same everything): counted once
    7     D (C)                   Z              M    no suspect drug: outside the universe for suspect roles
    """
    rows = [  # caseid, drugs, pts, sex
        (1, [("A", "PS"), ("B", "C")], ["Event X", "Event Y"], "F"),
        (2, [("A", "SS")], ["Event X"], "M"),
        (3, [("B", "PS")], ["Event X"], "F"),
        (4, [("C", "PS")], ["Event Z"], "M"),
        (5, [("A", "PS")], ["Event X", "Event X"], "F"),
        (6, [("A", "PS")], ["Event X"], "F"),
        (7, [("D", "C")], ["Event Z"], "M"),
    ]
    demo, drug, reac = [], [], []
    for caseid, drugs, pts, sex in rows:
        pid = caseid * 10 + 1
        same = caseid in (5, 6)
        demo.append(demo_row(pid, caseid, 1, "20190110" if caseid != 6 else "20190111", sex=sex,
                             age="50" if same else str(20 + caseid), event_dt="20181201"))
        drug.extend(drug_row(pid, caseid, i + 1, role, name) for i, (name, role) in enumerate(drugs))
        reac.extend(reac_row(pid, caseid, pt) for pt in pts)
    write_quarter(tmp_path / "q.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac})
    ingest_path(con, tmp_path / "q.zip")
    standardize.build(con)
    path = tmp_path / "cats.yaml"
    path.write_text(CATEGORIES)
    return con, path


def cells(counts, level, drug, event):
    row = counts[(counts["level"] == level) & (counts["drug"] == drug) & (counts["event"] == event)]
    assert len(row) == 1, (level, drug, event)
    return tuple(int(row.iloc[0][k]) for k in ("a", "b", "c", "d"))


def test_cells_count_unique_reports(small_db):
    con, cats = small_db
    assert con.execute("select count(*) from case_duplicate").fetchall() == [(2,)]
    counts = count_pairs(con, ScoreSettings(categories=str(cats)))
    # universe (suspect roles, duplicates collapsed): cases 1, 2, 3, 4, 6 -> N = 5 (6 is retained: later receipt)
    assert set(counts["n_total"]) == {5}
    # A: cases 1, 2, 6; X: cases 1, 2, 3, 6 -> a = 3, b = 0, c = 1, d = 1
    assert cells(counts, "pt", "A", "EVENT X") == (3, 0, 1, 1)
    # B as suspect only in case 3; case 1's B is concomitant
    assert cells(counts, "pt", "B", "EVENT X") == (1, 0, 3, 1)
    assert cells(counts, "pt", "C", "EVENT Z") == (1, 0, 0, 4)
    # pairs with a = 0 are not materialized
    assert counts[(counts["drug"] == "C") & (counts["event"] == "EVENT X")].empty
    assert "D" not in set(counts["drug"])


def test_categories_count_a_report_once(small_db):
    con, cats = small_db
    counts = count_pairs(con, ScoreSettings(categories=str(cats)))
    # case 1 has X and Y, both in thyroid_like / xy: one report, not two
    assert cells(counts, "subcategory", "A", "thyroid_like / xy") == (3, 0, 1, 1)
    assert cells(counts, "category", "A", "thyroid_like") == (3, 0, 1, 1)
    assert cells(counts, "subcategory", "A", "thyroid_like / only_y") == (1, 2, 0, 2)
    # "event   y" in the file matched EVENT Y despite case and spacing


def test_all_roles_and_keeping_duplicates(small_db):
    con, cats = small_db
    counts = count_pairs(con, ScoreSettings(categories=str(cats), roles="all", collapse_duplicates=False))
    assert set(counts["n_total"]) == {7}
    assert cells(counts, "pt", "B", "EVENT X") == (2, 0, 3, 2)      # cases 1 and 3 now
    assert cells(counts, "pt", "A", "EVENT X") == (4, 0, 1, 2)      # 1, 2, 5, 6
    assert cells(counts, "pt", "D", "EVENT Z") == (1, 0, 1, 5)


def test_stratified_expected_count(small_db):
    con, cats = small_db
    counts = count_pairs(con, ScoreSettings(categories=str(cats), stratified=True))
    # strata here differ by age band and sex; every case is received in 2019.
    # universe: 1 (F, 21 -> 18-44), 2 (M, 22 -> 18-44), 3 (F, 23 -> 18-44), 4 (M, 24 -> 18-44), 6 (F, 50 -> 45-64)
    # A x X: stratum F/18-44: n1s = 1 (case 1), n.1s = 2 (1, 3), Ns = 2 -> 1
    #        stratum M/18-44: n1s = 1 (case 2), n.1s = 1, Ns = 2 -> 0.5
    #        stratum F/45-64: n1s = 1 (case 6), n.1s = 1, Ns = 1 -> 1
    row = counts[(counts["level"] == "pt") & (counts["drug"] == "A") & (counts["event"] == "EVENT X")].iloc[0]
    assert row["expected_stratified"] == pytest.approx(2.5)
    # crude E would be 3 * 4 / 5 = 2.4
    assert (row["a"] + row["b"]) * (row["a"] + row["c"]) / row["n_total"] == pytest.approx(2.4)


def test_category_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: 1\ncategories:\n  - name: c\n    subcategories:\n      - name: s\n        terms: [A]\n")
    with pytest.raises(PvError, match=r"categories\[0\]\.subcategories\[0\]: missing rationale"):
        categorize.load(bad)
    bad.write_text("name: x\ncategories: []\n")
    with pytest.raises(PvError, match="missing top-level key 'version'"):
        categorize.load(bad)


def test_bundled_category_file_covers_the_review(con):
    cat = categorize.load()
    d = cat.definitions.to_pandas()
    names = set(zip(d["category"], d["subcategory"], strict=True))
    for needed in [("autoimmunity", "thyroid"), ("autoimmunity", "immune_thrombocytopenia"),
                   ("autoimmunity", "thrombotic_microangiopathy"), ("autoimmunity", "autoimmune_hepatitis"),
                   ("autoimmunity", "haemophagocytic_lymphohistiocytosis"),
                   ("autoimmunity", "renal_autoimmune"), ("infection", "pml_jc"), ("infection", "listeria"),
                   ("infection", "varicella_zoster"), ("cerebrovascular", "rcvs"),
                   ("cardiopulmonary", "pulmonary_alveolar_haemorrhage"), ("infusion_reaction", "infusion_reaction"),
                   ("cytopenia", "lymphopenia"), ("malignancy", "lymphoma"), ("malignancy", "thyroid_cancer"),
                   ("malignancy", "melanoma")]:
        assert needed in names

    def pts(sub, scope=None):
        rows = d[(d["subcategory"] == sub) & (d["kind"] == "pt") & ((d["scope"] == scope) if scope else True)]
        return set(rows["name"])

    every = set(d.loc[d["kind"] == "pt", "name"])
    assert {"Basedow's disease", "Immune thrombocytopenia", "Anti-glomerular basement membrane disease",
            "Progressive multifocal leukoencephalopathy", "Listeriosis", "Warm type haemolytic anaemia",
            "Encephalitis autoimmune", "Reversible cerebral vasoconstriction syndrome", "Infusion related reaction",
            "Autoimmune hypothyroidism", "Atrophic thyroiditis", "Thrombotic microangiopathy",
            "Haemolytic uraemic syndrome", "Pulmonary alveolar haemorrhage", "Myocardial ischaemia"} <= every
    # former PTs and LLT names found in the first version: never matched a FAERS report
    assert not {"Warm autoimmune haemolytic anaemia", "Autoimmune encephalitis", "Graves' disease",
                "Pneumocystis jiroveci pneumonia", "Autoimmune thrombocytopenia", "Cryptococcal meningitis",
                "Membranous nephropathy", "Idiopathic thrombocytopenic purpura"} & every
    # misplaced terms moved
    assert "Polyomavirus-associated nephropathy" not in pts("pml_jc")
    assert "Herpes virus infection" not in pts("herpes_simplex")
    assert not {"Autoimmune neutropenia", "Autoimmune pancytopenia", "Aplastic anaemia"} & pts("autoimmune_haemolytic_anaemia")
    assert "Thrombotic thrombocytopenic purpura" not in pts("immune_thrombocytopenia")
    # specific infusion reaction terms apart from the symptoms
    assert "Headache" not in pts("infusion_reaction", "narrow") and "Headache" in pts("infusion_reaction", "broad")
    assert "Cytokine release syndrome" in pts("infusion_reaction", "narrow")
    confounded = set(d.loc[d["confounded_by_indication"].notna(), "subcategory"])
    assert confounded == {"inflammatory_neuropathy"}
    assert d["rationale"].str.len().min() > 40
    assert cat.version == "2.0.0" and len(cat.sha256) == 64


def test_match_key_folds_spelling(con):
    db.execute(con, "standardized/macros")
    keys = con.execute("select pt_match_key('Haemorrhage intracranial'), pt_match_key('HEMORRHAGE  INTRACRANIAL'), "
                       "pt_match_key('Basedow''s disease'), pt_match_key('BASEDOWS DISEASE'), "
                       "pt_match_key('Oedema peripheral'), pt_match_key('edema peripheral'), "
                       "pt_match_key('Anti-glomerular basement membrane disease'), "
                       "pt_match_key('anti glomerular basement membrane disease')").fetchall()[0]
    assert keys[0] == keys[1] and keys[2] == keys[3] and keys[4] == keys[5] and keys[6] == keys[7]


def test_categories_check_lists_related_and_unseen(small_db, tmp_path):
    con, cats = small_db
    result = check(con, categorize.load(cats))
    # EVENT Z contains the keyword EVENT and is unmapped
    assert [(r[0], r[1], r[2]) for r in result["related_unmapped"]] == [("EVENT Z", "thyroid_like", "xy")]
    assert result["mapped_unseen"] == [("thyroid_like", "only_y", "Never Seen Term")]


def test_score_run_is_stored_and_atomic(small_db, monkeypatch):
    con, cats = small_db
    result = score(con, ScoreSettings(categories=str(cats)))
    rows = con.execute("select level, drug, event, a, b, c, d, prr, ror, criteria_met from drug_event_scores "
                       "where level = 'pt' and drug = 'A' and event = 'EVENT X'").fetchall()
    (level, drug, event, a, b, c, d, prr_value, ror_value, met) = rows[0]
    assert (a, b, c, d) == (3, 0, 1, 1)
    assert prr_value == pytest.approx((3 / 3) / (1 / 2))
    assert math.isinf(ror_value)       # b = 0, no silent correction
    run = con.execute("select status, n_reports, parameters, category_version from score_run").fetchall()
    assert run[0][0] == "completed" and run[0][1] == 5 and run[0][3] == "0.1"
    assert json.loads(run[0][2])["roles"] == "suspect"
    before = con.execute("select count(*) from drug_event_score").fetchall()

    import pv.signals as signals_module

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(signals_module.db, "execute", _fail_on("analytics/insert_scores", signals_module.db.execute))
    with pytest.raises(RuntimeError, match="disk full"):
        score(con, ScoreSettings(categories=str(cats)))
    assert con.execute("select count(*) from drug_event_score").fetchall() == before
    assert con.execute("select count(*) from score_run").fetchall() == [(1,)]
    assert con.execute("select distinct run_id from drug_event_scores").fetchall() == [(result.run_id,)]


def _fail_on(name, real):
    def wrapper(con, sql_name, *args, **kwargs):
        if sql_name == name:
            real(con, sql_name, *args, **kwargs)      # the rows are written, then the run fails
            raise RuntimeError("disk full")
        return real(con, sql_name, *args, **kwargs)
    return wrapper


def test_score_on_real_excerpt_runs(con):
    ingest_path(con, FAERS_2017Q2)
    standardize.build(con)
    result = score(con)
    assert result.n_reports == 100
    n = con.execute("select count(*) from drug_event_scores where level = 'pt'").fetchall()[0][0]
    assert n == result.n_pairs["pt"] > 100
    assert con.execute("select count(*) from drug_event_scores where eb05 > eb95").fetchall() == [(0,)]
    # 100 reports are too few for a two-gamma prior: the fit says so instead of pretending
    assert any("nearly a point mass" in w for w in result.warnings)
    assert "nearly a point mass" in con.execute("select message from score_run").fetchall()[0][0]


def test_a_grouped_level_whose_prior_fit_fails_borrows_the_pt_levels_and_says_so(con, monkeypatch):
    """The two-gamma fit can fail to settle on a grouped level's table; the run goes on with the PT-level prior
    (as a level with too few pairs does) and records why, instead of failing the whole run."""
    from pathlib import Path

    import pv.signals as signals

    ingest_path(con, Path(__file__).parent.parent / "sample_data" / "faers_ascii_2019q1.zip")
    standardize.build(con)
    real = signals.fit_mgps
    calls = []

    def fails_after_the_pt_level(observed, expected, **kwargs):
        calls.append(len(observed))
        if len(calls) > 1:
            raise PvError("fit_mgps: the prior fit did not converge (test)")
        return real(observed, expected, **kwargs)

    monkeypatch.setattr(signals, "fit_mgps", fails_after_the_pt_level)
    monkeypatch.setattr(signals, "MIN_PAIRS_OWN_PRIOR", 1)      # every level fits its own
    result = score(con, ScoreSettings(levels=("pt", "subcategory", "category")))
    assert len(calls) == 3
    assert result.priors["pt"]["source"] == "fitted"
    for level in ("subcategory", "category"):
        assert result.priors[level]["source"].startswith("pt-level prior (the level's own fit did not converge")
        assert result.priors[level]["alpha1"] == result.priors["pt"]["alpha1"]
    assert any("MGPS prior (category): pt-level prior" in w for w in result.warnings)


def test_sample_data_scores_find_the_review_signals_and_not_background(con):
    from pathlib import Path

    ingest_path(con, Path(__file__).parent.parent / "sample_data")
    standardize.build(con)
    score(con)
    assert con.execute("select count(*) from drug_event_scores where not (eb05 <= ebgm and ebgm <= eb95)"
                       ).fetchall() == [(0,)]
    met = dict(con.execute("select event, criteria_met from drug_event_scores where drug = 'ALEMTUZUMAB'").fetchall())
    for event in ["BASEDOW'S DISEASE", "HYPERTHYROIDISM", "IMMUNE THROMBOCYTOPENIA", "INFUSION RELATED REACTION",
                  "autoimmunity / thyroid", "autoimmunity", "infection / cmv", "cerebrovascular / rcvs"]:
        assert {"evans", "ror025", "ic025", "eb05"} <= set(met[event]), event
    nat = dict(con.execute("select event, criteria_met from drug_event_scores where drug = 'NATALIZUMAB'").fetchall())
    assert "eb05" in nat["PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY"]
    # background PTs are drawn independently of the drugs: none of them meets EB05 >= 2 for any drug
    background = ("NAUSEA", "HEADACHE", "FATIGUE", "DIZZINESS", "DRUG INEFFECTIVE", "ARTHRALGIA", "BACK PAIN")
    assert con.execute("select count(*) from drug_event_scores where level = 'pt' and meets_eb05 and "
                       "list_contains($b, event)", {"b": list(background)}).fetchall() == [(0,)]


def test_scoring_a_slice_at_a_time_gives_the_in_memory_scores(con, monkeypatch):
    """score() writes each level's pairs SCORE_SLICE_ROWS at a time (memory follows a slice, not the run); every
    statistic, criterion and the run's summary must be those of scoring the whole table at once."""
    from pathlib import Path

    import pandas as pd

    import pv.signals as signals

    ingest_path(con, Path(__file__).parent.parent / "sample_data" / "faers_ascii_2019q1.zip")
    standardize.build(con)
    settings = ScoreSettings(levels=("pt", "subcategory", "category"), stratified=True)
    monkeypatch.setattr(signals, "SCORE_SLICE_ROWS", 97)     # many slices, the last one short
    result = score(con, settings)
    # the same counts (a recount could differ in the last bit of a stratified E: sums of doubles in parallel)
    whole, priors = signals.score_counts(con.sql("select * from drug_event_counts").to_arrow_table().to_pandas(),
                                         settings)
    assert result.n_pairs["pt"] > 97 * 3
    stored = con.sql("select * exclude (run_id) from drug_event_score").to_arrow_table().to_pandas()
    key = ["level", "drug", "event"]
    stored = stored.sort_values(key).reset_index(drop=True)
    whole = whole.sort_values(key).reset_index(drop=True)
    assert len(stored) == len(whole) == sum(result.n_pairs.values())
    for column in stored.columns:
        if column == "criteria_met":
            assert stored[column].map(list).tolist() == whole[column].map(lambda s: s.split(",") if s else []).tolist()
        else:
            pd.testing.assert_series_equal(stored[column], whole[column], check_dtype=False, check_exact=True,
                                           obj=column)
    assert result.priors == priors
    pt = whole[whole["level"] == "pt"]
    assert result.signals == {name: int(pt[f"meets_{name}"].sum()) for name in settings.criteria}


def test_score_needs_the_standardized_layer(con):
    with pytest.raises(PvError, match="run `pv standardize`"):
        score(con)


def test_subgroup_cells_are_the_two_by_two_within_the_subgroup(small_db):
    """drug_event_counts_subgroup recounted from the analysis universe of the seven-report table (suspect roles,
    the probable duplicates 5 and 6 counted once), sex subgroup by sex subgroup."""
    from pv import runs
    from pv.config import PvConfig

    con, path = small_db
    cfg = PvConfig(drugs_of_interest=["A"], categories=str(path), signal_criteria=["ror025"])
    run_id = runs.run_in_process(con, cfg)
    got = {(k, g, lvl, e): (a, b, c, d) for k, g, lvl, e, a, b, c, d in con.execute(
        "select subgroup_kind, subgroup, level, event, a, b, c, d from drug_event_counts_subgroup "
        "where drug = 'A'").fetchall()}
    universe = [r[0] for r in con.execute("select distinct case_id from analysis_exposure").fetchall()]
    sex = dict(con.execute("select case_id, coalesce(sex, 'unknown') from case_report").fetchall())
    with_a = {r[0] for r in con.execute("select case_id from analysis_exposure where drug = 'A'").fetchall()}
    events = con.execute("select case_id, level, event from analysis_event").fetchall()
    for (kind, group, level, event), cells_got in got.items():
        if kind != "sex":
            continue
        members = {c for c in universe if sex[c] == group}
        with_e = {c for c, lvl, e in events if lvl == level and e == event and c in members}
        a = len(with_a & with_e & members)
        b = len((with_a & members) - with_e)
        c = len(with_e - with_a)
        assert cells_got == (a, b, c, len(members) - a - b - c), (group, level, event)
    # A with Event X among women: cases 1 and the kept one of 5/6; among men: case 2
    assert got[("sex", "F", "pt", "EVENT X")][0] == 2 and got[("sex", "M", "pt", "EVENT X")][0] == 1
    assert {k for k, *_ in got} == {"sex", "age_band"}
    n = con.execute("select count(*) from signal_subgroup where run_id = $r", {"r": run_id}).fetchall()[0][0]
    assert n == len(got)


def test_stratified_expected_by_blocks_is_the_sum_over_strata():
    # an independent sum over strata, pair by pair, against the blocked matrix product: ids not numbered from 0,
    # a pair whose drug and event share no stratum, and blocks of one to a few drugs
    from pv.signals.stratified import stratified_expected

    rng = np.random.default_rng(8)
    strata = np.array([3, 7, 11, 20])
    n_s = np.array([50, 80, 30, 120])
    drug_rows = [(d, s, int(rng.integers(1, 20))) for d in (101, 102, 105, 130) for s in strata if rng.random() < 0.7]
    event_rows = [(e, s, int(rng.integers(1, 20))) for e in (5, 9, 40) for s in strata if rng.random() < 0.7]
    drug_rows += [(999, 3, 4)]
    event_rows += [(77, 20, 6)]
    pairs = [(d, e) for d in (101, 102, 105, 130, 999) for e in (5, 9, 40, 77)]
    total = dict(zip(strata.tolist(), n_s.tolist(), strict=True))
    direct = [sum(nd * ne / total[s] for dd, s, nd in drug_rows if dd == d for ee, t, ne in event_rows
                  if ee == e and t == s) for d, e in pairs]
    columns = [np.array(c) for c in zip(*drug_rows, strict=True)], [np.array(c) for c in zip(*event_rows, strict=True)]
    for block_cells in (1, 8, 10**6):
        ours = stratified_expected([d for d, _ in pairs], [e for _, e in pairs], *columns, (strata, n_s),
                                   block_cells=block_cells)
        np.testing.assert_allclose(ours, direct, rtol=1e-14)
    assert ours[pairs.index((999, 77))] == 0 and min(direct) == 0
