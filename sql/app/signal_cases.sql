-- The pair's cases in the run's analysis universe, for the workbench's line listing (pv.signals.review): each
-- case_id with, when the run recorded it, the case_report row it was counted from (report_rowid; a database
-- scored by an earlier pv has none), found on the numbered analysis tables (the drug's cases intersected with the
-- event's). app/reports_by_row.sql, or app/reports_by_case.sql, then reads their reports.
-- params: level, drug, event
with pair_case as (
    select x.case_key
    from analysis_exposure_key as x
    where x.drug_id = (select drug_id from analysis_drug where drug = $drug)
    intersect
    select v.case_key
    from analysis_event_key as v
    where v.event_id = (select event_id from analysis_level_event where level = $level and event = $event)
)
select k.* exclude (case_key) from pair_case as p inner join analysis_case as k using (case_key);
