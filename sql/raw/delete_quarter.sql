-- Remove one quarter from a raw table, before a re-issued file for that quarter is loaded.
-- params: quarter
delete from {{ raw_table }} where quarter = $quarter;
