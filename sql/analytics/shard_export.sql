-- The analysis universe cut into $shards shards of cases, as Parquet that every worker can read
-- (pv.signals.sharded): a case's exposures, events and stratum always go to the same shard (case_key modulo
-- $shards: case_key numbers the cases densely, so the shards are of even size). Grain: exposure (case, drug),
-- event (case, level event), case (case, its stratum when $stratified). Written after standardization and
-- duplicate detection, which compare cases with each other and so stay central.
-- Inputs: analysis_case, analysis_exposure_key, analysis_event_key, case_report.
-- params: exposure_path, event_path, case_path, shards, stratified
copy (select case_key, drug_id, case_key % $shards as shard from analysis_exposure_key)
to $exposure_path (format parquet, partition_by (shard), overwrite_or_ignore);

copy (select case_key, event_id, case_key % $shards as shard from analysis_event_key)
to $event_path (format parquet, partition_by (shard), overwrite_or_ignore);

copy (
    select k.case_key,
           case when $stratified then case_stratum(c.age_years, c.sex, c.received_date, c.fda_date) end as stratum,
           k.case_key % $shards as shard
    from analysis_case as k
    inner join case_report as c using (case_id)
)
to $case_path (format parquet, partition_by (shard), overwrite_or_ignore);
