-- Terms of the category file that no case in case_event reports (a typo, an old PT, or simply not seen).
select t.category, t.subcategory, t.term
from event_category_term as t
where t.match_key not in (select distinct pt_match_key(pt) from case_event)
order by t.category, t.subcategory, t.term;
