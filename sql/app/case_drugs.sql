-- The workbench's case page: every drug of the case with its ingredient, role, route, therapy start and
-- indications. Grain: one row per drug and ingredient.
-- params: case_id
select d.drug_seq, d.role, d.drug_name_reported, d.ingredient, d.ingredient_source, d.route, d.dechal, d.rechal,
       d.therapy_start_date,
       (select string_agg(i.indication, '; ' order by i.indication) from case_indication as i
        where i.case_id = d.case_id and i.drug_seq = d.drug_seq) as indications
from case_drug as d
where d.case_id = $case_id
order by d.drug_seq, d.ingredient;
