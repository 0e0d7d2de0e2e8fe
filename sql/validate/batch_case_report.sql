-- Validation batch for the standardized case_report: one row per case with its number of suspect drugs and
-- events, read by expectations/case_report.json.
with suspect as (
    select case_id, count(*) as n from case_drug where role in ('PS', 'SS') group by case_id
),
events as (
    select case_id, count(*) as n from case_event group by case_id
)
select c.case_id, c.age_years, c.sex, coalesce(s.n, 0) as n_suspect_drugs, coalesce(e.n, 0) as n_events
from case_report as c
left join suspect as s using (case_id)
left join events as e using (case_id)
order by c.case_id;
