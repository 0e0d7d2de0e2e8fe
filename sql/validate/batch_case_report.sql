-- Validation batch for the standardized case_report: the cases whose latest version came from the given
-- quarters (all cases when $quarters is null), with their number of suspect drugs and events and how many rows
-- share their case_id in the whole table, read by expectations/case_report.json.
-- params: quarters
with batch as (
    select c.case_id, c.age_years, c.sex
    from case_report as c
    where $quarters is null or list_contains($quarters, c.quarter)
),
suspect as (
    select case_id, count(*) as n from case_drug
    where role in ('PS', 'SS', 'I') and case_id in (select case_id from batch) group by case_id
),
events as (
    select case_id, count(*) as n from case_event where case_id in (select case_id from batch) group by case_id
),
same_id as (
    select case_id, count(*) as n from case_report where case_id in (select case_id from batch) group by case_id
)
select b.case_id, b.age_years, b.sex, coalesce(s.n, 0) as n_suspect_drugs, coalesce(e.n, 0) as n_events,
       i.n as n_rows_with_case_id
from batch as b
left join suspect as s using (case_id)
left join events as e using (case_id)
left join same_id as i using (case_id)
order by b.case_id;
