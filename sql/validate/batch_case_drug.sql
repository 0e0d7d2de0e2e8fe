-- Validation batch for the standardized case_drug: the drugs of the cases whose latest version came from the
-- given quarters (all when $quarters is null).
-- params: quarters
select d.case_id, d.drug_seq, d.role, d.ingredient, d.ingredient_source
from case_drug as d
where $quarters is null
   or d.case_id in (select case_id from case_report where list_contains($quarters, quarter))
order by d.case_id, d.drug_seq;
