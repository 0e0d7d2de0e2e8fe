-- Validation batch for one load of an openFDA/E2B raw table (raw_icsr_report, _drug, _reaction, _lab), read by
-- expectations/<table>.json. line_no is the report's record_no: quarantine holds a report whole, keyed by it
-- (file_line is where the report starts in its file).
-- first_record, last_record: the range of the load's reports in this batch (pv.validate.chunked).
-- params: load_id, first_record, last_record
select
    r.* exclude (extra_fields, load_id, source_sha256, line_no),
    r.record_no as line_no,
    r.line_no as file_line
from {{ raw_table }} as r
where r.load_id = $load_id and r.record_no between $first_record and $last_record
order by r.record_no;
