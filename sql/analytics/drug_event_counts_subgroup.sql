-- drug_event_counts_subgroup: for the drugs of interest, the 2x2 cells of every pair within each subgroup
-- (sex: F, M, unknown; age band: 0-17, 18-44, 45-64, 65-74, 75+, unknown): the universe, the margins and the
-- pair counts all restricted to the subgroup's cases. Grain: one row per (subgroup_kind, subgroup, level, drug,
-- event) with a >= 1. expected_stratified (when $stratified, as in the run's scoring): the sum over the strata
-- of the subgroup (age band x sex x report year: strata nest in subgroups) of n1.s * n.1s / N_s; null otherwise.
-- The counts are the sums of the shards' parts (subgroup_parts.sql: one shard on one node, many on a Dask
-- cluster), cross-classified by (sex, age band, report year); each kind of subgroup sums them over the others.
-- Inputs: all_part_sub_pair, all_part_sub_drug, all_part_sub_event, all_part_sub_total, analysis_drug,
-- analysis_level_event.
-- params: stratified
create or replace table drug_event_counts_subgroup as
with pair_cross as (
    select e.level, d.drug, e.event, p.sex_group, p.age_group, p.year_group, sum(p.n) as n
    from all_part_sub_pair as p
    inner join analysis_drug as d using (drug_id)
    inner join analysis_level_event as e using (event_id)
    group by all
),
total_cross as (select sex_group, age_group, year_group, sum(n) as n from all_part_sub_total group by all),
drug_cross as (
    select d.drug, p.sex_group, p.age_group, p.year_group, sum(p.n) as n
    from all_part_sub_drug as p inner join analysis_drug as d using (drug_id)
    group by all
),
-- the event margins of the events the drugs of interest were reported with
event_cross as (
    select e.level, e.event, p.sex_group, p.age_group, p.year_group, sum(p.n) as n
    from all_part_sub_event as p
    semi join (select distinct event_id from all_part_sub_pair) as w using (event_id)
    inner join analysis_level_event as e using (event_id)
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
