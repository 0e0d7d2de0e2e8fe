-- drug_event_counts_subgroup: for the drugs of interest, the 2x2 cells of every pair within each subgroup
-- (sex: F, M, unknown; age band: 0-17, 18-44, 45-64, 65-74, 75+, unknown): the universe, the margins and the
-- pair counts all restricted to the subgroup's cases. Grain: one row per (subgroup_kind, subgroup, level, drug,
-- event) with a >= 1. Inputs: analysis_exposure, analysis_event, case_report.
-- params: drugs
create or replace table drug_event_counts_subgroup as
with member as (
    select case_id, 'sex' as subgroup_kind, coalesce(sex, 'unknown') as subgroup
    from case_report where case_id in (select case_id from analysis_exposure)
    union all
    select case_id, 'age_band' as subgroup_kind,
        case when age_years is null then 'unknown' when age_years < 18 then '0-17' when age_years < 45 then '18-44'
             when age_years < 65 then '45-64' when age_years < 75 then '65-74' else '75+' end as subgroup
    from case_report where case_id in (select case_id from analysis_exposure)
),
exposure as (select x.*, m.subgroup_kind, m.subgroup from analysis_exposure as x inner join member as m using (case_id)),
event as (select e.*, m.subgroup_kind, m.subgroup from analysis_event as e inner join member as m using (case_id)),
pair as (
    select ex.subgroup_kind, ex.subgroup, ev.level, ex.drug, ev.event, count(*) as a
    from exposure as ex
    inner join event as ev on ev.case_id = ex.case_id and ev.subgroup_kind = ex.subgroup_kind
    where list_contains($drugs, ex.drug)
    group by all
),
n_total as (select subgroup_kind, subgroup, count(*) as n_total from member group by all),
drug_margin as (
    select subgroup_kind, subgroup, drug, count(*) as n_drug from exposure where list_contains($drugs, drug) group by all
),
event_margin as (
    select ev.subgroup_kind, ev.subgroup, ev.level, ev.event, count(*) as n_event
    from event as ev semi join (select distinct level, event from pair) as p using (level, event)
    group by all
)
select
    p.subgroup_kind, p.subgroup, p.level, p.drug, p.event, p.a,
    dm.n_drug - p.a as b, em.n_event - p.a as c, nt.n_total - dm.n_drug - em.n_event + p.a as d
from pair as p
inner join n_total as nt using (subgroup_kind, subgroup)
inner join drug_margin as dm using (subgroup_kind, subgroup, drug)
inner join event_margin as em using (subgroup_kind, subgroup, level, event)
order by p.subgroup_kind, p.subgroup, p.level, p.drug, p.event;
