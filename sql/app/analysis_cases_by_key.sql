-- The analysis_case rows of the case keys $case_keys (a scan of analysis_case; app/analysis_cases_by_row.sql reads
-- by row instead).
-- params: case_keys
select * from analysis_case where case_key in (select unnest($case_keys));
