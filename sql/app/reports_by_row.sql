-- The line listing's columns of the case_report rows $rowids (point reads: a join by case_id would scan
-- case_report), the most recent first, at most $max_cases. pv.signals.review checks that each row still holds the
-- case it was counted from (the layer may have been rebuilt by a run that then failed).
-- params: rowids, max_cases
select case_id, case_version, age_years, sex, country, event_date, received_date, is_serious, outcomes
from case_report
where rowid in (select unnest($rowids))
order by received_date desc nulls last, case_id
limit $max_cases;
