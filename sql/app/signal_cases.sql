-- The workbench's line listing of one pair: its cases in the run's analysis universe (case_line_listing), the most
-- recent first, at most $max_cases.
-- params: level, drug, event, max_cases
select case_id, case_version, age_years, sex, country, event_date, received_date, is_serious, outcomes
from case_line_listing
where level = $level and drug = $drug and event = $event
order by received_date desc nulls last, case_id
limit $max_cases;
