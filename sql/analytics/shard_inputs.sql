-- One node's analysis universe as a single shard (pv.signals.count_pairs): the inputs shard_parts.sql reads, as
-- views over the numbered analysis tables, and its parts as the all_part_* drug_event_counts.sql sums.
-- Inputs: analysis_exposure_key, analysis_event_key, analysis_case, case_report.
-- params: stratified
create or replace temp view shard_exposure as select case_key, drug_id from analysis_exposure_key;

create or replace temp view shard_event as select case_key, event_id from analysis_event_key;

-- a table, not a view: a view cannot hold a bound parameter
create or replace temp table shard_case as
select k.case_key,
       case when $stratified then case_stratum(c.age_years, c.sex, c.received_date, c.fda_date) end as stratum
from analysis_case as k
inner join case_report as c using (case_id);
