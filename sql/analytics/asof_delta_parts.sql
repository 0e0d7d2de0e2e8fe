-- The changes of the 2x2 tables from one quarter end to the next, for a set of versions: all of them on one node,
-- one shard of them on a Dask worker (pv.signals.sharded). Every change is a sum over versions, so the shards'
-- parts add up (asof_delta.sql sums them). part_pair_delta, part_drug_delta, part_event_delta,
-- part_total_delta: the changes of a, of the drug and event margins and of N; part_*_stratum_delta: the margins'
-- changes within each stratum (empty when asof_stratum is: not stratified).
-- Inputs: asof_case_delta, asof_exposure, asof_event, asof_stratum (from asof_steps.sql, or one shard of them).
create or replace temp table part_pair_delta as
select cd.qi, x.drug_id, e.event_id, sum(cd.delta)::integer as delta
from asof_case_delta as cd
inner join asof_exposure as x using (vkey)
inner join asof_event as e using (vkey)
group by all
having sum(cd.delta) <> 0;

create or replace temp table part_drug_delta as
select cd.qi, x.drug_id, sum(cd.delta)::integer as delta
from asof_case_delta as cd inner join asof_exposure as x using (vkey)
group by all;

create or replace temp table part_event_delta as
select cd.qi, e.event_id, sum(cd.delta)::integer as delta
from asof_case_delta as cd inner join asof_event as e using (vkey)
group by all;

create or replace temp table part_total_delta as
select qi, sum(delta)::integer as delta from asof_case_delta group by qi;

create or replace temp table part_drug_stratum_delta as
select cd.qi, x.drug_id, s.stratum_id, sum(cd.delta)::integer as delta
from asof_case_delta as cd
inner join asof_stratum as s using (vkey)
inner join asof_exposure as x using (vkey)
group by all;

create or replace temp table part_event_stratum_delta as
select cd.qi, e.event_id, s.stratum_id, sum(cd.delta)::integer as delta
from asof_case_delta as cd
inner join asof_stratum as s using (vkey)
inner join asof_event as e using (vkey)
group by all;

create or replace temp table part_total_stratum_delta as
select cd.qi, s.stratum_id, sum(cd.delta)::integer as delta
from asof_case_delta as cd inner join asof_stratum as s using (vkey)
group by all;
