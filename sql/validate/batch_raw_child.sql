-- Validation batch for one load of a raw table that hangs off DEMO (raw_drug, raw_reac, raw_outc, raw_ther,
-- raw_indi, raw_rpsr): the delivered rows plus has_demo_row (a DEMO row with the same primaryid in the same load,
-- i.e. the same quarter), read by expectations/<table>.json.
-- params: load_id
select
    r.* exclude (extra_fields, load_id, quarter, source_sha256),
    r.primaryid in (select primaryid from raw_demo where load_id = $load_id) as has_demo_row
from {{ raw_table }} as r
where r.load_id = $load_id
order by r.line_no;
