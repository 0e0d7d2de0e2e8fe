-- Append bad rows (registered as the Arrow view incoming_bad_rows: table_name, source_file, line_no,
-- raw_text, reason, check_name) to the quarantine table.
-- params: load_id, quarter
insert into quarantine (load_id, quarter, table_name, source_file, line_no, raw_text, reason, check_name)
select $load_id, $quarter, table_name, source_file, line_no, raw_text, reason, check_name
from incoming_bad_rows;
