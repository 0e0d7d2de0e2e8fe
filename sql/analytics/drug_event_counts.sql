-- drug_event_counts: one row per (level, drug, event) reported together at least once (a >= 1), with the
-- 2x2 cells over unique de-duplicated reports. Levels (those in $levels): 'pt' (MedDRA PT); 'subcategory' and
-- 'category' (from event_category_term; a category counts its subcategories' narrow or only definitions); and,
-- with MedDRA loaded, 'hlt', 'hlgt', 'soc', 'smq_narrow', 'smq_broad' (from meddra_pt_level). A report counts once
-- per event at each level however many of its PTs fall in it.
-- The report universe (N): cases with at least one drug in the chosen roles and at least one PT (not in
-- excluded_pt), after removing the non-retained members of probable-duplicate groups when $collapse_duplicates.
-- Margins are exact even though pairs with a = 0 are not materialized.
-- expected_stratified: sum over strata s (case_stratum: age band x sex x report year) of n1.s * n.1s / N_s, when
-- $stratified; null otherwise.
-- Cases, drugs and terms are numbered first (analysis_universe.sql: analysis_case, analysis_drug,
-- analysis_exposure_key, analysis_pt_key; pt_level_event.sql: analysis_pt_level_event), and the events of the
-- levels scored here (analysis_level_event), so that the large joins and groupings run on integers: at every
-- level the cost is that of the (case, event) rows, not of their text. analysis_exposure_key (case, drug) and
-- analysis_event_key (case, event) are the analysis universe; the views analysis_exposure (case_id, drug) and
-- analysis_event (case_id, level, event) show them by name for the subgroup counts and the line listings.
-- Inputs: analysis_case, analysis_drug, analysis_exposure_key, analysis_pt_key, analysis_pt_level_event,
-- case_report, case_event.
-- params: stratified, levels
create or replace table analysis_level_event as
select (row_number() over (order by level, event))::integer as event_id, level, event
from (select distinct level, event from analysis_pt_level_event where list_contains($levels, level));

create or replace table analysis_event_key as
with case_pt as (
    select distinct c.case_key, k.pt_key
    from case_event as e
    inner join analysis_case as c using (case_id)
    inner join analysis_pt_key as k on k.pt = e.pt and k.pt_code is not distinct from e.pt_code
),
pt_event as (
    select p.pt_key, e.event_id
    from analysis_pt_level_event as p inner join analysis_level_event as e using (level, event)
)
select distinct cp.case_key, m.event_id from case_pt as cp inner join pt_event as m using (pt_key);

create or replace view analysis_exposure as
select c.case_id, d.drug
from analysis_exposure_key as x
inner join analysis_case as c using (case_key)
inner join analysis_drug as d using (drug_id);

create or replace view analysis_event as
select c.case_id, e.level, e.event
from analysis_event_key as x
inner join analysis_case as c using (case_key)
inner join analysis_level_event as e using (event_id);

create or replace table drug_event_counts as
with n_total as (select count(*) as n_total from analysis_case),
drug_margin as (select drug_id, count(*) as n_drug from analysis_exposure_key group by drug_id),
event_margin as (select event_id, count(*) as n_event from analysis_event_key group by event_id),
pair as (
    select ex.drug_id, ev.event_id, count(*) as a
    from analysis_exposure_key as ex inner join analysis_event_key as ev using (case_key)
    group by ex.drug_id, ev.event_id
),
stratum as (
    select k.case_key, case_stratum(c.age_years, c.sex, c.received_date, c.fda_date) as stratum
    from case_report as c
    inner join analysis_case as k using (case_id)
    where $stratified
),
n_stratum as (select stratum, count(*) as n_s from stratum group by stratum),
drug_stratum as (
    select ex.drug_id, s.stratum, count(*) as n1_s
    from analysis_exposure_key as ex inner join stratum as s using (case_key) group by all
),
event_stratum as (
    select ev.event_id, s.stratum, count(*) as n_1s
    from analysis_event_key as ev inner join stratum as s using (case_key) group by all
),
expected_stratified as (
    select p.drug_id, p.event_id, sum(ds.n1_s * es.n_1s / ns.n_s) as expected_stratified
    from pair as p
    inner join drug_stratum as ds on ds.drug_id = p.drug_id
    inner join event_stratum as es on es.event_id = p.event_id and es.stratum = ds.stratum
    inner join n_stratum as ns on ns.stratum = ds.stratum
    group by all
)
select
    e.level,
    d.drug,
    e.event,
    p.a,
    dm.n_drug - p.a as b,
    em.n_event - p.a as c,
    nt.n_total - dm.n_drug - em.n_event + p.a as d,
    dm.n_drug,
    em.n_event,
    nt.n_total,
    es.expected_stratified
from pair as p
cross join n_total as nt
inner join drug_margin as dm on dm.drug_id = p.drug_id
inner join event_margin as em on em.event_id = p.event_id
inner join analysis_drug as d on d.drug_id = p.drug_id
inner join analysis_level_event as e on e.event_id = p.event_id
left join expected_stratified as es on es.drug_id = p.drug_id and es.event_id = p.event_id
-- drug_id follows the drug's name and event_id the (level, event) order: this is (level, drug, event) order
order by e.level, p.drug_id, p.event_id;
