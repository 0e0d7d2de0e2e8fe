-- What changes in the 2x2 tables from one quarter end to the next (pv.signals.asof adds them up quarter by
-- quarter): the sums of the parts of every shard of versions (asof_delta_parts.sql: one shard on one node, many on
-- a Dask cluster), by key, without the keys whose changes cancel.
-- Inputs: all_part_pair_delta, all_part_drug_delta, all_part_event_delta, all_part_total_delta,
-- all_part_drug_stratum_delta, all_part_event_stratum_delta, all_part_total_stratum_delta.
create or replace temp table asof_pair_delta as
select qi, drug_id, event_id, sum(delta)::integer as delta from all_part_pair_delta
group by all having sum(delta) <> 0 order by qi;

create or replace temp table asof_drug_delta as
select qi, drug_id, sum(delta)::integer as delta from all_part_drug_delta group by all;

create or replace temp table asof_event_delta as
select qi, event_id, sum(delta)::integer as delta from all_part_event_delta group by all;

create or replace temp table asof_total_delta as
select qi, sum(delta)::integer as delta from all_part_total_delta group by all;

create or replace temp table asof_drug_stratum_delta as
select qi, drug_id, stratum_id, sum(delta)::integer as delta from all_part_drug_stratum_delta group by all;

create or replace temp table asof_event_stratum_delta as
select qi, event_id, stratum_id, sum(delta)::integer as delta from all_part_event_stratum_delta group by all;

create or replace temp table asof_total_stratum_delta as
select qi, stratum_id, sum(delta)::integer as delta from all_part_total_stratum_delta group by all;
