-- Quarantine the rows of one load that broke a critical expectation (Arrow view incoming_failures: table_name,
-- source_file, line_no, check_name, reason, offending_values). The row itself stays in the raw layer, identified
-- by (table_name, load_id, line_no); the view quarantined_row keeps it out of the standardized layer until a
-- steward releases it.
-- params: load_id, quarter
insert into quarantine (load_id, quarter, table_name, source_file, line_no, raw_text, reason, check_name, stage,
    offending_values)
select $load_id, $quarter, table_name, source_file, line_no, null, reason, check_name, 'validate', offending_values
from incoming_failures;
