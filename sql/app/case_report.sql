-- The workbench's case page: the case as the standardized layer holds it (its current version).
-- params: case_id
select case_id, source, case_version, n_versions, primary_id, quarter, event_date, received_date, fda_date,
       report_type, age_years, sex, country, reporter_occupation, weight_kg, outcomes, report_sources, is_serious,
       is_death
from case_report
where case_id = $case_id;
