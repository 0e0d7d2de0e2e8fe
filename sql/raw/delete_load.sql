-- Remove one load's rows from a raw table (a re-issued report CSV replaces its earlier load).
-- params: load_id
delete from {{ raw_table }} where load_id = $load_id;
