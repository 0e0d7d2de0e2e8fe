-- One shard's inputs, read by a worker from the Parquet shard_export.sql wrote (pv.signals.sharded).
-- params: exposure_glob, event_glob, case_glob
create or replace temp table shard_exposure as select case_key, drug_id from read_parquet($exposure_glob);

create or replace temp table shard_event as select case_key, event_id from read_parquet($event_glob);

create or replace temp table shard_case as select case_key, stratum from read_parquet($case_glob);
