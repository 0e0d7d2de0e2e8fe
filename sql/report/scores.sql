-- Every scored pair of the run for the chosen drugs (the run's scoring run), with the category of PT-level events.
-- is_signal: the pair meets one of the run's signal criteria (criteria_met may list others too).
-- params: score_run_id, drugs, criteria
with pt_category as (
    select distinct normalize_pt(term) as pt, category from event_category_term where in_category
)
select s.level, s.drug, s.event, coalesce(c.category, case when s.level in ('subcategory', 'category')
       then split_part(s.event, ' / ', 1) end) as category,
       s.a, s.b, s.c, s.d, s.expected, s.prr, s.prr_lower, s.prr_upper, s.ror, s.ror_lower, s.ror_upper,
       s.chi2_yates, s.ic, s.ic025, s.ic975, s.ebgm, s.eb05, s.eb95, array_to_string(s.criteria_met, ',') as criteria_met,
       len(list_intersect(s.criteria_met, $criteria)) > 0 as is_signal, coalesce(l.label, s.event) as event_label
from drug_event_score as s
left join event_label as l on l.level = s.level and l.event = s.event
left join (select pt, min(category) as category from pt_category group by pt) as c
    on s.level = 'pt' and c.pt = s.event
where s.run_id = $score_run_id and list_contains($drugs, s.drug)
order by s.drug, s.level, s.event;
