-- The events of the levels scored, numbered (analysis_level_event), and each case's events at those levels
-- (analysis_event_key: one row per case and event), so that counting (drug_event_counts.sql, or its sharded form
-- shard_parts.sql) joins and groups integers. The views analysis_exposure (case_id, drug) and analysis_event
-- (case_id, level, event) show the analysis universe by name for the subgroup counts and the line listings.
-- Inputs: analysis_case, analysis_pt_key, analysis_pt_level_event, analysis_exposure_key, analysis_drug,
-- case_event.
-- params: levels
create or replace table analysis_level_event as
select (row_number() over (order by level, event))::integer as event_id, level, event
from (select distinct level, event from analysis_pt_level_event where list_contains($levels, level));

create or replace table analysis_event_key as
with case_pt as (
    select distinct c.case_key, k.pt_key
    from case_event as e
    inner join analysis_case as c using (case_id)
    inner join analysis_pt_key as k on k.pt = e.pt and k.pt_code is not distinct from e.pt_code
),
pt_event as (
    select p.pt_key, e.event_id
    from analysis_pt_level_event as p inner join analysis_level_event as e using (level, event)
)
-- in event_id order: an event's cases then sit in a few row groups, which the workbench's line listing reads alone
select distinct cp.case_key, m.event_id from case_pt as cp inner join pt_event as m using (pt_key)
order by event_id, case_key;

create or replace view analysis_exposure as
select c.case_id, d.drug
from analysis_exposure_key as x
inner join analysis_case as c using (case_key)
inner join analysis_drug as d using (drug_id);

create or replace view analysis_event as
select c.case_id, e.level, e.event
from analysis_event_key as x
inner join analysis_case as c using (case_key)
inner join analysis_level_event as e using (event_id);
