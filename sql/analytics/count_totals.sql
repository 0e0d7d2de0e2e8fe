-- The sums of the shards' additive parts by key (shard_parts.sql: one shard on one node, many on a Dask cluster),
-- which drug_event_counts.sql turns into 2x2 tables. No case is in two shards, so each sum is exact.
-- total_pair: a per (drug, event); total_stratum: N_s, with each stratum numbered (stratum_no, from 0, in the
-- strata's order); total_drug_stratum, total_event_stratum: n1.s and n.1s by stratum number (empty unless the
-- run is stratified). pv.signals.stratified computes each pair's expected count from the last three.
-- Inputs: all_part_pair, all_part_stratum, all_part_drug_stratum, all_part_event_stratum.
create or replace temp table total_pair as
select drug_id, event_id, sum(a)::bigint as a from all_part_pair group by drug_id, event_id;

create or replace temp table total_stratum as
select (row_number() over (order by stratum) - 1)::integer as stratum_no, stratum, n_s
from (select stratum, sum(n_s)::bigint as n_s from all_part_stratum group by stratum);

create or replace temp table total_drug_stratum as
select p.drug_id, s.stratum_no, sum(p.n1_s)::bigint as n1_s
from all_part_drug_stratum as p inner join total_stratum as s using (stratum)
group by all;

create or replace temp table total_event_stratum as
select p.event_id, s.stratum_no, sum(p.n_1s)::bigint as n_1s
from all_part_event_stratum as p inner join total_stratum as s using (stratum)
group by all;
