-- The workbench's line listing of one pair: its cases in the run's analysis universe (the rows case_line_listing
-- shows), the most recent first, at most $max_cases. The pair's cases are found on the numbered analysis tables
-- first (the drug's cases intersected with the event's), and only those are joined to their reports: on a
-- 20 M-report database that is a fraction of a second, where filtering the named view took seconds.
-- params: level, drug, event, max_cases
with pair_case as (
    select x.case_key
    from analysis_exposure_key as x
    where x.drug_id = (select drug_id from analysis_drug where drug = $drug)
    intersect
    select v.case_key
    from analysis_event_key as v
    where v.event_id = (select event_id from analysis_level_event where level = $level and event = $event)
)
select c.case_id, c.case_version, c.age_years, c.sex, c.country, c.event_date, c.received_date, c.is_serious,
       c.outcomes
from pair_case as p
inner join analysis_case as k using (case_key)
inner join case_report as c using (case_id)
order by c.received_date desc nulls last, c.case_id
limit $max_cases;
