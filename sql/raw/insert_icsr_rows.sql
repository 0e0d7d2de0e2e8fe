-- Append a batch of reports or their items (registered as the Arrow view incoming_rows) to a raw_icsr_* table,
-- adding the file's lineage.
-- params: load_id, source_file, source_sha256
insert into {{ raw_table }} by name
select
    incoming_rows.*,
    $load_id as load_id,
    $source_file as source_file,
    $source_sha256 as source_sha256
from incoming_rows;
