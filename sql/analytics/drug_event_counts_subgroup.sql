-- drug_event_counts_subgroup: for the drugs of interest, the 2x2 cells of every pair within each subgroup
-- (sex: F, M, unknown; age band: 0-17, 18-44, 45-64, 65-74, 75+, unknown): the universe, the margins and the
-- pair counts all restricted to the subgroup's cases. Grain: one row per (subgroup_kind, subgroup, level, drug,
-- event) with a >= 1. expected_stratified (when $stratified, as in the run's scoring): the sum over the strata
-- of the subgroup (age band x sex x report year: strata nest in subgroups) of n1.s * n.1s / N_s; null otherwise.
-- Inputs: analysis_exposure, analysis_event, case_report.
-- params: drugs, stratified
create or replace table drug_event_counts_subgroup as
-- Every count is taken once, cross-classified by (sex, age band), and each kind of subgroup sums it over the
-- other kind; only the drugs of interest's cases are joined to their events, and the event margins are counted
-- over the events those drugs were reported with: the cost follows those drugs, not the analysis universe.
with universe as (
    select distinct case_id from analysis_exposure
),
case_group as (
    select c.case_id, coalesce(c.sex, 'unknown') as sex_group,
        case when c.age_years is null then 'unknown' when c.age_years < 18 then '0-17'
             when c.age_years < 45 then '18-44' when c.age_years < 65 then '45-64' when c.age_years < 75 then '65-74'
             else '75+' end as age_group,
        coalesce(year(coalesce(c.received_date, c.fda_date))::varchar, 'unknown') as year_group
    from case_report as c semi join universe using (case_id)
),
drug_case as (
    select x.case_id, x.drug, g.sex_group, g.age_group, g.year_group
    from analysis_exposure as x inner join case_group as g using (case_id)
    where list_contains($drugs, x.drug)
),
pair_cross as (
    select ev.level, dc.drug, ev.event, dc.sex_group, dc.age_group, dc.year_group, count(*) as n
    from drug_case as dc inner join analysis_event as ev using (case_id)
    group by all
),
total_cross as (select sex_group, age_group, year_group, count(*) as n from case_group group by all),
drug_cross as (select drug, sex_group, age_group, year_group, count(*) as n from drug_case group by all),
event_cross as (
    select ev.level, ev.event, g.sex_group, g.age_group, g.year_group, count(*) as n
    from analysis_event as ev
    semi join (select distinct level, event from pair_cross) as p using (level, event)
    inner join case_group as g using (case_id)
    group by all
),
-- each stratum's share of the expected count of each pair, summed per (sex, age band)
stratum_expected as (
    select p.level, p.drug, p.event, d.sex_group, d.age_group, sum(d.n * e.n / t.n) as e
    from (select distinct level, drug, event from pair_cross) as p
    inner join drug_cross as d on d.drug = p.drug
    inner join event_cross as e on e.level = p.level and e.event = p.event and e.sex_group = d.sex_group
        and e.age_group = d.age_group and e.year_group = d.year_group
    inner join total_cross as t on t.sex_group = d.sex_group and t.age_group = d.age_group and t.year_group = d.year_group
    where $stratified
    group by all
),
expected as (
    select 'sex' as subgroup_kind, sex_group as subgroup, level, drug, event, sum(e) as e from stratum_expected group by all
    union all
    select 'age_band', age_group, level, drug, event, sum(e) from stratum_expected group by all
),
pair as (
    select 'sex' as subgroup_kind, sex_group as subgroup, level, drug, event, sum(n) as a from pair_cross group by all
    union all
    select 'age_band', age_group, level, drug, event, sum(n) from pair_cross group by all
),
n_total as (
    select 'sex' as subgroup_kind, sex_group as subgroup, sum(n) as n_total from total_cross group by all
    union all
    select 'age_band', age_group, sum(n) from total_cross group by all
),
drug_margin as (
    select 'sex' as subgroup_kind, sex_group as subgroup, drug, sum(n) as n_drug from drug_cross group by all
    union all
    select 'age_band', age_group, drug, sum(n) from drug_cross group by all
),
event_margin as (
    select 'sex' as subgroup_kind, sex_group as subgroup, level, event, sum(n) as n_event from event_cross group by all
    union all
    select 'age_band', age_group, level, event, sum(n) from event_cross group by all
)
select
    p.subgroup_kind, p.subgroup, p.level, p.drug, p.event, p.a::bigint as a,
    (dm.n_drug - p.a)::bigint as b, (em.n_event - p.a)::bigint as c,
    (nt.n_total - dm.n_drug - em.n_event + p.a)::bigint as d,
    x.e as expected_stratified
from pair as p
inner join n_total as nt using (subgroup_kind, subgroup)
inner join drug_margin as dm using (subgroup_kind, subgroup, drug)
inner join event_margin as em using (subgroup_kind, subgroup, level, event)
left join expected as x using (subgroup_kind, subgroup, level, drug, event)
order by p.subgroup_kind, p.subgroup, p.level, p.drug, p.event;
