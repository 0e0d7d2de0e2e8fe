-- The additive parts of the subgroup tables for one shard of cases (the whole universe on one node): every count
-- cross-classified by the cells the subgroups and strata are made of (sex, age band, report year), so that each
-- kind of subgroup, and the strata within it, sum them (drug_event_counts_subgroup.sql). Only the drugs of
-- interest ($drug_ids) are joined to their events; the event margins are counted for every event, because a shard
-- cannot know which events the drugs of interest are reported with in the other shards.
-- Inputs: shard_exposure (case_key, drug_id), shard_event (case_key, event_id), shard_case (case_key, sex_group,
-- age_group, year_group).
-- params: drug_ids
create or replace temp table part_sub_drug as
select ex.drug_id, c.sex_group, c.age_group, c.year_group, count(*) as n
from shard_exposure as ex inner join shard_case as c using (case_key)
where list_contains($drug_ids, ex.drug_id)
group by all;

create or replace temp table part_sub_pair as
select ex.drug_id, ev.event_id, c.sex_group, c.age_group, c.year_group, count(*) as n
from shard_exposure as ex
inner join shard_case as c using (case_key)
inner join shard_event as ev using (case_key)
where list_contains($drug_ids, ex.drug_id)
group by all;

create or replace temp table part_sub_event as
select ev.event_id, c.sex_group, c.age_group, c.year_group, count(*) as n
from shard_event as ev inner join shard_case as c using (case_key)
group by all;

create or replace temp table part_sub_total as
select sex_group, age_group, year_group, count(*) as n from shard_case group by all;
