-- The analysis_case rows of the case keys $case_keys, read by row: analysis_case is written in case_key order
-- (case_key = rowid + 1; a join on case_key would scan its 18 M rows at 20 M reports). pv.signals.review checks
-- that every row holds the key asked for, and reads by key (app/analysis_cases_by_key.sql) when not.
-- params: case_keys
select * from analysis_case where rowid in (select unnest($case_keys) - 1);
