-- The workbench's case page: every event of the case, as reported and as coded.
-- params: case_id
select pt, pt_reported, match_method, llt_code, pt_code, meddra_version, drug_rec_act
from case_event
where case_id = $case_id
order by pt;
