"""The demo (sample_data/ with sample_data/pv.toml) shows what README's "Demo data" table says it shows: each
analysis of issue 11 finds something sensible there. The figures asserted are the README's."""

from __future__ import annotations

import pytest

PML, RCVS = "PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY", "REVERSIBLE CEREBRAL VASOCONSTRICTION SYNDROME"


@pytest.fixture(scope="module")
def demo(demo_run):
    return demo_run


def _one(con, sql, params=None):
    return con.execute(sql, params or {}).fetchone()


def test_alemtuzumab_is_about_one_percent_of_reports_with_its_two_products(demo):
    con, _ = demo
    exposed, total = _one(con, "select count(distinct case_id) filter (where drug = 'ALEMTUZUMAB'), "
                               "(select count(*) from analysis_case) from analysis_exposure")
    assert 0.005 <= exposed / total <= 0.012
    # LEMTRADA is given for MS; the CAMPATH names for leukaemia and transplant
    by_brand = dict(con.execute("""
        select case when d.drug_name_clean like 'LEMTRADA%' then 'LEMTRADA' else 'CAMPATH' end,
               bool_and(i.indication like '%MULTIPLE SCLEROSIS%')
        from case_drug as d inner join case_indication as i using (case_id, drug_seq)
        where d.ingredient = 'ALEMTUZUMAB' and (d.drug_name_clean like 'LEMTRADA%' or d.drug_name_clean like 'CAMPATH%'
              or d.drug_name_clean like 'MABCAMPATH%')
        group by 1""").fetchall())
    assert by_brand == {"LEMTRADA": True, "CAMPATH": False}


def test_a_seed_signal_emerges_part_way_and_thyroid_disease_early(demo):
    con, run_id = demo
    first = dict(con.execute("select event, first_signal_quarter from signal_history where drug = 'ALEMTUZUMAB' "
                             "and level = 'pt'").fetchall())
    assert first[RCVS] == "2020Q2"                         # reported only from 2019Q3
    assert first["BASEDOW'S DISEASE"] <= "2019Q2" and first["INFUSION RELATED REACTION"] == "2019Q1"


def test_natalizumab_masks_alemtuzumabs_pml(demo):
    con, run_id = demo
    a, prr, eb05 = _one(con, "select a, prr, eb05 from drug_event_scores where level = 'pt' and drug = 'ALEMTUZUMAB' "
                             "and event = $e", {"e": PML})
    assert (a, round(prr, 1)) == (8, 2.4) and eb05 < 2
    drug, ratio, prr_unmasked = _one(con, "select masking_drug, masking_ratio, prr_unmasked from signal_masking "
                                          "where run_id = $r and level = 'pt' and drug = 'ALEMTUZUMAB' and event = $e "
                                          "order by masking_ratio desc limit 1", {"r": run_id, "e": PML})
    assert drug == "NATALIZUMAB" and ratio > 10 and round(prr_unmasked) == 50


def test_restricted_backgrounds_keep_thyroid_disease_and_lose_campaths_cmv(demo):
    con, _ = demo
    rows = {(b, e): (eb05, met) for b, e, eb05, met in con.execute(
        "select background, event, eb05, list_contains(criteria_met, 'eb05') from drug_event_background_scores "
        "where level = 'pt' and drug = 'ALEMTUZUMAB'").fetchall()}
    for background in ("ms_dmt", "ms_indication"):
        assert rows[(background, "BASEDOW'S DISEASE")][1] and rows[(background, "IMMUNE THROMBOCYTOPENIA")][1]
    assert _one(con, "select list_contains(criteria_met, 'eb05') from drug_event_scores where level = 'pt' "
                     "and drug = 'ALEMTUZUMAB' and event = 'CYTOMEGALOVIRUS INFECTION'")[0]
    assert not rows[("ms_indication", "CYTOMEGALOVIRUS INFECTION")][1]


def test_times_to_onset_follow_the_seed(demo):
    con, run_id = demo
    onset = dict(con.execute("select event, median_days from signal_onset where run_id = $r and level = 'pt' "
                             "and drug = 'ALEMTUZUMAB'", {"r": run_id}).fetchall())
    assert onset["INFUSION RELATED REACTION"] <= 3
    assert all(onset[e] > 180 for e in ("BASEDOW'S DISEASE", "HYPERTHYROIDISM", "IMMUNE THROMBOCYTOPENIA"))
