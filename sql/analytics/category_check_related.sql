-- PTs reported in case_event that contain a subcategory's related keyword but are in no subcategory.
-- Grain: one row per (pt, category, subcategory) suggestion, with the number of cases reporting the PT.
with pts as (
    select pt, pt_match_key(pt) as match_key, count(*) as n_cases from case_event group by pt
),
unmapped as (
    select * from pts where match_key not in (select match_key from event_category_term)
)
select u.pt, k.category, k.subcategory, any_value(k.keyword) as keyword, any_value(u.n_cases) as n_cases
from unmapped as u
inner join event_category_keyword as k on contains(u.match_key, pt_match_key(k.keyword))
group by u.pt, k.category, k.subcategory
order by n_cases desc, u.pt;
