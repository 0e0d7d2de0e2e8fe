-- drug_event_counts: one row per (level, drug, event) reported together at least once (a >= 1), with the
-- 2x2 cells over unique de-duplicated reports. Levels (those in $levels): 'pt' (MedDRA PT); 'subcategory' and
-- 'category' (from event_category_term; a category counts its subcategories' narrow or only definitions); and,
-- with MedDRA loaded, 'hlt', 'hlgt', 'soc', 'smq_narrow', 'smq_broad' (from meddra_pt_level). A report counts once
-- per event at each level however many of its PTs fall in it.
-- The report universe (N): cases with at least one drug in the chosen roles and at least one PT (not in
-- excluded_pt), after removing the non-retained members of probable-duplicate groups when $collapse_duplicates.
-- Margins are exact even though pairs with a = 0 are not materialized.
-- expected_stratified: sum over strata s (age band x sex x report year) of n1.s * n.1s / N_s, when
-- $stratified; null otherwise.
-- Also materializes the analysis universe for the per-quarter and subgroup counts: analysis_exposure (one row
-- per case and drug in the universe) and analysis_event (one row per case, level and event).
-- Inputs: case_report, case_duplicate, case_drug, case_event, excluded_pt, event_category_term, meddra_pt_level.
-- params: roles, collapse_duplicates, stratified, levels
create or replace table analysis_exposure as
with kept_case as (
    select case_id from case_report
    where not ($collapse_duplicates and case_id in (select case_id from case_duplicate where not is_retained))
),
exposure_all as (
    select distinct d.case_id, d.ingredient as drug
    from case_drug as d
    semi join kept_case using (case_id)
    where list_contains($roles, d.role) and d.ingredient is not null
),
event_pt as (
    select distinct e.case_id from case_event as e
    semi join kept_case using (case_id)
    anti join excluded_pt as x on x.pt = e.pt
)
select * from exposure_all semi join event_pt using (case_id);

create or replace table analysis_event as
with universe as (
    select distinct case_id from analysis_exposure
),
pt_key as (
    select distinct pt, pt_match_key(pt) as match_key from case_event
),
event_pt as (
    select e.case_id, e.pt, e.pt_code from case_event as e
    semi join universe using (case_id)
    anti join excluded_pt as x on x.pt = e.pt
)
select case_id, 'pt' as level, pt as event from event_pt where list_contains($levels, 'pt')
union all
select distinct e.case_id, 'subcategory' as level, t.event
from event_pt as e
inner join pt_key as k on k.pt = e.pt
inner join event_category_term as t on t.match_key = k.match_key
where list_contains($levels, 'subcategory')
union all
select distinct e.case_id, 'category' as level, t.category as event
from event_pt as e
inner join pt_key as k on k.pt = e.pt
inner join event_category_term as t on t.match_key = k.match_key
where t.in_category and list_contains($levels, 'category')
union all
select distinct e.case_id, m.level, m.event
from event_pt as e
inner join meddra_pt_level as m on m.pt_code = e.pt_code
where list_contains($levels, m.level);

create or replace table drug_event_counts as
with exposure as (select * from analysis_exposure),
event as (select * from analysis_event),
n_total as (select count(distinct case_id) as n_total from exposure),
drug_margin as (select drug, count(*) as n_drug from exposure group by drug),
event_margin as (select level, event, count(*) as n_event from event group by level, event),
pair as (
    select ev.level, ex.drug, ev.event, count(*) as a
    from exposure as ex inner join event as ev using (case_id)
    group by ev.level, ex.drug, ev.event
),
stratum as (
    select
        c.case_id,
        concat_ws('|',
            case when c.age_years is null then 'unknown' when c.age_years < 18 then '0-17'
                 when c.age_years < 45 then '18-44' when c.age_years < 65 then '45-64'
                 when c.age_years < 75 then '65-74' else '75+' end,
            coalesce(c.sex, 'unknown'),
            coalesce(year(coalesce(c.received_date, c.fda_date))::varchar, 'unknown')) as stratum
    from case_report as c
    where $stratified and c.case_id in (select case_id from exposure)
),
n_stratum as (select stratum, count(*) as n_s from stratum group by stratum),
drug_stratum as (
    select ex.drug, s.stratum, count(*) as n1_s from exposure as ex inner join stratum as s using (case_id) group by all
),
event_stratum as (
    select ev.level, ev.event, s.stratum, count(*) as n_1s from event as ev inner join stratum as s using (case_id) group by all
),
expected_stratified as (
    select p.level, p.drug, p.event, sum(ds.n1_s * es.n_1s / ns.n_s) as expected_stratified
    from pair as p
    inner join drug_stratum as ds on ds.drug = p.drug
    inner join event_stratum as es on es.level = p.level and es.event = p.event and es.stratum = ds.stratum
    inner join n_stratum as ns on ns.stratum = ds.stratum
    group by all
)
select
    p.level,
    p.drug,
    p.event,
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
inner join drug_margin as dm on dm.drug = p.drug
inner join event_margin as em on em.level = p.level and em.event = p.event
left join expected_stratified as es on es.level = p.level and es.drug = p.drug and es.event = p.event
order by p.level, p.drug, p.event;
