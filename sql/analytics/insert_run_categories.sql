-- Store the category expansion a scoring run used (event_category_term) under its run id.
-- params: run_id
insert into score_run_category_term
select $run_id, category, subcategory, scope, event, event_label, in_category, term, pt_code, via, meddra_version,
       corresponding_smq, confounded_by_indication
from event_category_term;
