-- signal_label: the signals of run $run_id that the reference safety information already names (labelled
-- events, pv.signals.labels). Grain: one row per labelled signal (the first label entry that names it).
-- A label entry names a category (the category, its subcategories and their PTs), a subcategory ('category /
-- subcategory', as the scores name it: the subcategory and its PTs), a PT (matched as events are, pt_match_key),
-- or a MedDRA-level event by name (hlt, hlgt, soc, smq: that event at its level).
-- Inputs: label_term (registered: drug, kind, name, source, label_date), event_category_term, signal.
-- params: run_id
with term as (
    select upper(trim(drug)) as drug, kind, trim(name) as name, source, label_date, row_number() over () as entry
    from label_term
),
category_pt as (select distinct category, event as subcategory, match_key from event_category_term),
named as (
    select drug, 'category' as level, name as event_key, source, label_date, entry from term where kind = 'category'
    union all
    select t.drug, 'subcategory', c.subcategory, t.source, t.label_date, t.entry
    from term as t inner join (select distinct category, subcategory from category_pt) as c on c.category = t.name
    where t.kind = 'category'
    union all
    select t.drug, 'pt', c.match_key, t.source, t.label_date, t.entry
    from term as t inner join category_pt as c on c.category = t.name
    where t.kind = 'category'
    union all
    select drug, 'subcategory', name, source, label_date, entry from term where kind = 'subcategory'
    union all
    select t.drug, 'pt', c.match_key, t.source, t.label_date, t.entry
    from term as t inner join category_pt as c on c.subcategory = t.name
    where t.kind = 'subcategory'
    union all
    select drug, 'pt', pt_match_key(name), source, label_date, entry from term where kind = 'pt'
    union all
    select drug, level, name, source, label_date, entry
    from term cross join (values ('smq_narrow'), ('smq_broad')) as v(level) where kind = 'smq'
    union all
    select drug, kind, name, source, label_date, entry from term where kind in ('hlt', 'hlgt', 'soc')
)
select s.run_id, s.level, s.drug, s.event, arg_min(n.source, n.entry) as label_source,
       arg_min(n.label_date, n.entry) as label_date
from signal as s
inner join named as n
    on n.drug = s.drug and n.level = s.level
   and n.event_key = case when s.level = 'pt' then pt_match_key(s.event) else s.event end
where s.run_id = $run_id
group by s.run_id, s.level, s.drug, s.event;
