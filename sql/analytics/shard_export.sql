-- The analysis universe cut into $shards shards of cases, as Parquet that every worker can read
-- (pv.signals.sharded): a case's exposures, events and stratum always go to the same shard (case_key modulo
-- $shards: case_key numbers the cases densely, so the shards are of even size). Grain: exposure (case, drug),
-- event (case, level event), case (case, its stratum when $stratified, its subgroup cells). Written after
-- standardization and duplicate detection, which compare cases with each other and so stay central.
-- Inputs: analysis_case, analysis_exposure_key, analysis_event_key, case_report.
-- A zero-row file with each input's columns (*_schema) stands in for a shard that has no rows of it.
-- params: exposure_path, event_path, case_path, exposure_schema, event_schema, case_schema, shards, stratified
copy (select case_key, drug_id, case_key % $shards as shard from analysis_exposure_key)
to $exposure_path (format parquet, partition_by (shard), overwrite_or_ignore);
copy (select case_key, drug_id from analysis_exposure_key limit 0) to $exposure_schema (format parquet);

copy (select case_key, event_id, case_key % $shards as shard from analysis_event_key)
to $event_path (format parquet, partition_by (shard), overwrite_or_ignore);
copy (select case_key, event_id from analysis_event_key limit 0) to $event_schema (format parquet);

copy (
    select k.case_key,
           case when $stratified then case_stratum(c.age_years, c.sex, c.received_date, c.fda_date) end as stratum,
           sex_group(c.sex) as sex_group, age_band(c.age_years) as age_group,
           report_year(c.received_date, c.fda_date) as year_group,
           k.case_key % $shards as shard
    from analysis_case as k
    inner join case_report as c using (case_id)
)
to $case_path (format parquet, partition_by (shard), overwrite_or_ignore);
copy (select case_key, null::varchar as stratum, null::varchar as sex_group, null::varchar as age_group,
             null::varchar as year_group from analysis_case limit 0)
to $case_schema (format parquet);
