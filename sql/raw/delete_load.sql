-- Remove one load's rows from a raw table (`pv unload`, or a report CSV replaced with --replace).
-- params: load_id
delete from {{ raw_table }} where load_id = $load_id;
