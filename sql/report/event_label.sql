-- event_label: how a report names an event: the category file's labels for category and subcategory events
-- ("Secondary autoimmunity / Thyroid autoimmunity"), the PT itself otherwise. One row per level x event.
create or replace temp view event_label as
select distinct 'subcategory' as level, event, category_label || ' / ' || event_label as label
from event_category_term
union all
select distinct 'category' as level, category as event, category_label as label
from event_category_term;
