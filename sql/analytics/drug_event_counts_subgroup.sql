-- drug_event_counts_subgroup: for the drugs of interest, the 2x2 cells of every pair within each subgroup
-- (sex: F, M, unknown; age band: 0-17, 18-44, 45-64, 65-74, 75+, unknown): the universe, the margins and the
-- pair counts all restricted to the subgroup's cases. Grain: one row per (subgroup_kind, subgroup, level, drug,
-- event) with a >= 1. Inputs: analysis_exposure, analysis_event, case_report.
-- params: drugs
create or replace table drug_event_counts_subgroup as
-- Only the drugs of interest's cases are joined to their events; the event margins are counted over the events
-- they were reported with: the cost follows those drugs, not the whole analysis universe.
with universe as (
    select distinct case_id from analysis_exposure
),
member as (
    select c.case_id, 'sex' as subgroup_kind, coalesce(c.sex, 'unknown') as subgroup
    from case_report as c semi join universe using (case_id)
    union all
    select c.case_id, 'age_band' as subgroup_kind,
        case when c.age_years is null then 'unknown' when c.age_years < 18 then '0-17'
             when c.age_years < 45 then '18-44' when c.age_years < 65 then '45-64' when c.age_years < 75 then '65-74'
             else '75+' end as subgroup
    from case_report as c semi join universe using (case_id)
),
n_total as (select subgroup_kind, subgroup, count(*) as n_total from member group by all),
drug_case as (
    select x.case_id, x.drug, m.subgroup_kind, m.subgroup
    from analysis_exposure as x inner join member as m using (case_id)
    where list_contains($drugs, x.drug)
),
drug_margin as (select subgroup_kind, subgroup, drug, count(*) as n_drug from drug_case group by all),
pair as (
    select dc.subgroup_kind, dc.subgroup, ev.level, dc.drug, ev.event, count(*) as a
    from drug_case as dc inner join analysis_event as ev using (case_id)
    group by all
),
event_margin as (
    select m.subgroup_kind, m.subgroup, ev.level, ev.event, count(*) as n_event
    from analysis_event as ev
    semi join (select distinct level, event from pair) as p using (level, event)
    inner join member as m using (case_id)
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
