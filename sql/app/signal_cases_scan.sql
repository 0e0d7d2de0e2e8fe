-- The workbench's line listing of one pair, for a database scored before analysis_case held report_rowid
-- (signal_cases.sql otherwise): the pair's cases found on the numbered analysis tables, joined to case_report
-- by case_id (a scan of case_report's case_id: about 0.5 s at 20 M reports).
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
