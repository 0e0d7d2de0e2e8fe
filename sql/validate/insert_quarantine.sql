-- Quarantine the rows of one load that broke a critical expectation (Arrow view incoming_failures: table_name,
-- source_file, line_no, check_name, reason, offending_values). The row itself stays in the raw layer, identified
-- by (table_name, load_id, line_no); the view quarantined_row keeps it out of the standardized layer until a
-- steward releases it. A row already held for the same check (pv validate re-running a suite) is not added again.
-- params: load_id, quarter
insert into quarantine (load_id, quarter, table_name, source_file, line_no, raw_text, reason, check_name, stage,
    offending_values)
select $load_id, $quarter, table_name, source_file, line_no, null, reason, check_name, 'validate', offending_values
from incoming_failures as f
where not exists (
    select 1 from quarantine as q
    where q.table_name = f.table_name and q.load_id = $load_id and q.line_no = f.line_no
        and q.check_name = f.check_name
);
