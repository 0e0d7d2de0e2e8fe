-- The additive parts of one shard of cases (pv.signals.sharded, run by a worker in its own DuckDB): every number
-- drug_event_counts.sql needs that sums over shards because no case is in two. Summing finished 2x2 rows would be
-- wrong: a shard where a pair has a = 0 emits no row for it, and its b, c, d would be lost.
-- part_pair: a per (drug, event); part_drug: n1. per drug; part_event: n.1 per event; part_total: N;
-- part_drug_stratum, part_event_stratum, part_stratum: the same by stratum (empty unless $stratified).
-- Inputs: shard_exposure (case_key, drug_id), shard_event (case_key, event_id), shard_case (case_key, stratum).
-- params: stratified
create or replace temp table part_pair as
select ex.drug_id, ev.event_id, count(*) as a
from shard_exposure as ex inner join shard_event as ev using (case_key)
group by ex.drug_id, ev.event_id;

create or replace temp table part_drug as select drug_id, count(*) as n_drug from shard_exposure group by drug_id;

create or replace temp table part_event as select event_id, count(*) as n_event from shard_event group by event_id;

create or replace temp table part_total as select count(*) as n_total from shard_case;

create or replace temp table part_stratum as
select stratum, count(*) as n_s from shard_case where $stratified group by stratum;

create or replace temp table part_drug_stratum as
select ex.drug_id, c.stratum, count(*) as n1_s
from shard_exposure as ex inner join shard_case as c using (case_key)
where $stratified
group by all;

create or replace temp table part_event_stratum as
select ev.event_id, c.stratum, count(*) as n_1s
from shard_event as ev inner join shard_case as c using (case_key)
where $stratified
group by all;
