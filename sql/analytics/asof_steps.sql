-- When each version counts, and what it counts (pv.signals.asof; asof_delta_parts.sql turns these into the
-- changes of the 2x2 tables from one quarter end to the next). A version counts from the quarter it became the
-- case's latest (from_qi) until it was replaced or the case deleted (to_qi) and, when $collapse_duplicates, not
-- while it was a non-retained member of a probable-duplicate group as grouped then (asof_dup_result, valid until
-- its fingerprint's next change). Only the changes after quarter $after_qi are kept (0: all of them).
-- asof_level_event: the events of the levels in $levels, numbered; asof_event: (version, event);
-- asof_case_delta: +1 / -1 per version and quarter; asof_stratum: each version's stratum (case_stratum), numbered,
-- when $stratified. Every table is keyed by version (vkey), so the versions can be cut into shards.
-- Inputs: asof_version, asof_version_key, asof_pt_key, asof_pt_level_event, asof_all_event, asof_dup_result,
-- asof_dup_change, asof_dup_member, case_report, asof_case_report.
-- params: levels, collapse_duplicates, stratified, after_qi
create or replace temp table asof_level_event as
select (row_number() over (order by level, event))::integer as event_id, level, event
from (select distinct level, event from asof_pt_level_event where list_contains($levels, level));

create or replace temp table asof_event as
with version_pt as (
    select distinct k.vkey, p.pt_key
    from asof_all_event as e
    inner join asof_version_key as k using (version_id)
    inner join asof_pt_key as p on p.pt = e.pt and p.pt_code is not distinct from e.pt_code
),
pt_event as (
    select p.pt_key, e.event_id
    from asof_pt_level_event as p inner join asof_level_event as e using (level, event)
)
select distinct v.vkey, m.event_id from version_pt as v inner join pt_event as m using (pt_key);

create or replace temp table asof_case_delta as
with not_retained as (
    select split_part(r.case_id, '|', 1)::integer as qi, substr(r.case_id, strpos(r.case_id, '|') + 1) as case_id
    from asof_dup_result as r
    where not r.is_retained and $collapse_duplicates
),
not_retained_span as (
    -- the case's version at that quarter (one at a time), until its fingerprint's next change
    select m.version_id, n.qi, ch.next_qi
    from not_retained as n
    inner join asof_dup_member as m
        on m.case_id = n.case_id and m.from_qi <= n.qi and (m.to_qi is null or n.qi < m.to_qi)
    inner join asof_dup_change as ch on ch.drug_set = m.drug_set and ch.pt_set = m.pt_set and ch.qi = n.qi
),
step as (
    select version_id, from_qi as qi, 1 as delta from asof_version
    union all
    select version_id, to_qi, -1 from asof_version where to_qi is not null
    union all
    select version_id, qi, -1 from not_retained_span
    union all
    select version_id, next_qi, 1 from not_retained_span where next_qi is not null
)
select k.vkey, s.qi, sum(s.delta)::integer as delta
from step as s inner join asof_version_key as k using (version_id)
where s.qi > $after_qi
group by all
having sum(s.delta) <> 0;

create or replace temp table asof_stratum as
with report as (
    select case_id as version_id, age_years, sex, received_date, fda_date from case_report
    union all
    select case_id, age_years, sex, received_date, fda_date from asof_case_report
),
version_stratum as (
    select k.vkey, case_stratum(r.age_years, r.sex, r.received_date, r.fda_date) as stratum
    from report as r inner join asof_version_key as k using (version_id)
    where $stratified
)
select v.vkey, s.stratum_id
from version_stratum as v
inner join (select stratum, (row_number() over (order by stratum))::integer - 1 as stratum_id
            from (select distinct stratum from version_stratum)) as s using (stratum);
