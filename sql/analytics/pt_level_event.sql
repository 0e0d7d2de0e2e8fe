-- pt_level_event: the events each coded term of {{ pt_key }} counts in, at every level: 'pt' (itself),
-- 'subcategory' and 'category' (event_category_term, matched on the term's match_key; a category counts its
-- subcategories' narrow or only definitions) and the MedDRA levels of meddra_pt_level (by PT code).
-- Grain: one row per (pt_key, level, event). Inputs: {{ pt_key }} (pt_key, pt, pt_code, match_key),
-- event_category_term, meddra_pt_level.
select pt_key, 'pt' as level, pt as event from {{ pt_key }}
union all
select distinct k.pt_key, 'subcategory', t.event
from {{ pt_key }} as k inner join event_category_term as t on t.match_key = k.match_key
union all
select distinct k.pt_key, 'category', t.category
from {{ pt_key }} as k inner join event_category_term as t on t.match_key = k.match_key
where t.in_category
union all
select distinct k.pt_key, m.level, m.event
from {{ pt_key }} as k inner join meddra_pt_level as m on m.pt_code = k.pt_code
