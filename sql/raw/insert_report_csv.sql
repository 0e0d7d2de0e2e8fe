-- Append a parsed report CSV (Arrow view incoming_rows) to raw_report_csv with its lineage.
-- params: load_id, source_name, map_drugs, source_file, source_sha256
insert into raw_report_csv by name
select
    incoming_rows.*,
    $source_name as source_name,
    $map_drugs as map_drugs,
    $load_id as load_id,
    $source_file as source_file,
    $source_sha256 as source_sha256
from incoming_rows;
