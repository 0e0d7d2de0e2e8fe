-- Append a parsed file (registered as the Arrow view incoming_rows) to a raw table, adding its lineage.
-- params: load_id, quarter, source_file, source_sha256
insert into {{ raw_table }} by name
select
    incoming_rows.*,
    $load_id as load_id,
    $quarter as quarter,
    $source_file as source_file,
    $source_sha256 as source_sha256
from incoming_rows;
