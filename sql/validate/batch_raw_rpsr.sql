-- Validation batch for one load of raw_rpsr: the delivered rows plus has_demo_row (a DEMO row with the same
-- primaryid in the same load, i.e. the same quarter), read by expectations/raw_rpsr.json.
-- params: load_id
select
    r.line_no, r.source_file, r.primaryid, r.rpsr_cod,
    r.primaryid in (select primaryid from raw_demo where load_id = $load_id) as has_demo_row
from raw_rpsr as r
where r.load_id = $load_id
order by r.line_no;
