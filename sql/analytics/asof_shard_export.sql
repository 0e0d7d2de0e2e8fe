-- The as-of versions cut into $shards shards, as Parquet that every worker can read (pv.signals.sharded): a
-- version's steps, drugs, events and stratum always go to the same shard (vkey modulo $shards). Written after the
-- versions and their probable duplicates were found as they stood at each quarter end (asof_steps.sql), which
-- compares cases with each other and so stays central.
-- Inputs: asof_case_delta, asof_exposure, asof_event, asof_stratum.
-- A zero-row file with each input's columns (*_schema) stands in for a shard that has no rows of it.
-- The paths: case_delta_path, exposure_path, event_path, stratum_path, and each one's *_schema.
-- params: case_delta_path, exposure_path, event_path, stratum_path, case_delta_schema, exposure_schema, event_schema, stratum_schema, shards
copy (select vkey, qi, delta, vkey % $shards as shard from asof_case_delta)
to $case_delta_path (format parquet, partition_by (shard), overwrite_or_ignore);
copy (select vkey, qi, delta from asof_case_delta limit 0) to $case_delta_schema (format parquet);

copy (select vkey, drug_id, vkey % $shards as shard from asof_exposure)
to $exposure_path (format parquet, partition_by (shard), overwrite_or_ignore);
copy (select vkey, drug_id from asof_exposure limit 0) to $exposure_schema (format parquet);

copy (select vkey, event_id, vkey % $shards as shard from asof_event)
to $event_path (format parquet, partition_by (shard), overwrite_or_ignore);
copy (select vkey, event_id from asof_event limit 0) to $event_schema (format parquet);

copy (select vkey, stratum_id, vkey % $shards as shard from asof_stratum)
to $stratum_path (format parquet, partition_by (shard), overwrite_or_ignore);
copy (select vkey, stratum_id from asof_stratum limit 0) to $stratum_schema (format parquet);
