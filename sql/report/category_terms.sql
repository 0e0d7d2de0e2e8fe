-- The event categories as the scoring run expanded them (score_run_category_term): one row per subcategory
-- event, with its PTs and where they came from (explicit PTs, an LLT's PT, HLT, HLGT, SMQ), and the MedDRA version.
-- params: score_run_id
select category, event, event_label, scope, in_category, any_value(meddra_version) as meddra_version,
       count(*) as n_pts, string_agg(term, '; ' order by term) as pts,
       string_agg(distinct case when via <> 'pt' then via end, '; ') as expanded_from,
       any_value(corresponding_smq) as corresponding_smq,
       any_value(confounded_by_indication) as confounded_by_indication
from score_run_category_term
where run_id = $score_run_id
group by category, event, event_label, scope, in_category
order by event;
