-- The line listing's columns of the reports $case_ids (a scan of case_report's case_id: about 0.5 s at 20 M
-- reports; app/reports_by_row.sql reads by row instead), the most recent first, at most $max_cases.
-- params: case_ids, max_cases
select case_id, case_version, age_years, sex, country, event_date, received_date, is_serious, outcomes
from case_report
where case_id in (select unnest($case_ids))
order by received_date desc nulls last, case_id
limit $max_cases;
