-- One node's analysis universe as a single shard (pv.signals.count_pairs, pv.signals.derived.subgroups): the
-- inputs shard_parts.sql and subgroup_parts.sql read, as views over the numbered analysis tables. shard_case holds
-- each case's stratum (when $stratified) and the cells of the subgroups (sex, age band, report year).
-- Inputs: analysis_exposure_key, analysis_event_key, analysis_case, case_report.
-- params: stratified
create or replace temp view shard_exposure as select case_key, drug_id from analysis_exposure_key;

create or replace temp view shard_event as select case_key, event_id from analysis_event_key;

-- a table, not a view: a view cannot hold a bound parameter
create or replace temp table shard_case as
select k.case_key,
       case when $stratified then case_stratum(c.age_years, c.sex, c.received_date, c.fda_date) end as stratum,
       sex_group(c.sex) as sex_group, age_band(c.age_years) as age_group,
       report_year(c.received_date, c.fda_date) as year_group
from analysis_case as k
inner join case_report as c using (case_id);
