-- One input of one shard, read by a worker from the Parquet that an export (shard_export.sql,
-- asof_shard_export.sql) wrote, under the name the parts' SQL reads.
-- params: glob
create or replace temp table {{ input_table }} as select * from read_parquet($glob, hive_partitioning = false);
