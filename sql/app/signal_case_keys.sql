-- The pair's cases in the run's analysis universe, for the workbench's line listing (pv.signals.review): their
-- case_key, found on the numbered analysis tables (the drug's cases intersected with the event's). The key tables
-- are stored in drug_id and event_id order (analysis_universe.sql, analysis_events.sql), so each side reads the
-- few row groups holding its id. app/analysis_cases_by_row.sql, or app/analysis_cases_by_key.sql, then reads
-- those cases.
-- params: level, drug, event
select x.case_key
from analysis_exposure_key as x
where x.drug_id = (select drug_id from analysis_drug where drug = $drug)
intersect
select v.case_key
from analysis_event_key as v
where v.event_id = (select event_id from analysis_level_event where level = $level and event = $event);
