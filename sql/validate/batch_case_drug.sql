-- Validation batch for the standardized case_drug.
select case_id, drug_seq, role, ingredient, ingredient_source from case_drug order by case_id, drug_seq;
