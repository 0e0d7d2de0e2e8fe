-- One node's parts (shard_parts.sql over shard_inputs.sql) as the all_part_* tables drug_event_counts.sql sums
-- (pv.signals.sharded writes the same tables from the shards' parts).
create or replace temp table all_part_pair as select * from part_pair;
create or replace temp table all_part_drug as select * from part_drug;
create or replace temp table all_part_event as select * from part_event;
create or replace temp table all_part_total as select * from part_total;
create or replace temp table all_part_stratum as select * from part_stratum;
create or replace temp table all_part_drug_stratum as select * from part_drug_stratum;
create or replace temp table all_part_event_stratum as select * from part_event_stratum;
