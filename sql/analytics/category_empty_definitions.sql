-- The definition lines of the category file that brought no PT in: an hlt, hlgt or smq without MedDRA loaded,
-- or a name the loaded MedDRA does not have. One row per line.
-- Inputs: incoming_definitions, category_expansion.
select distinct d.category, d.subcategory, d.kind, d.name
from incoming_definitions as d
anti join category_expansion as e
    on e.category = d.category and e.subcategory = d.subcategory and e.scope = d.scope and e.kind = d.kind
   and e.name = d.name
where d.kind in ('hlt', 'hlgt', 'smq')
order by d.category, d.subcategory, d.kind, d.name;
