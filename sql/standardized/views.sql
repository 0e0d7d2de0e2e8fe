-- Views over the standardized layer, made anew with each build: lab grades and the openFDA / FAERS overlap.

-- CTCAE v5.0 grades of the cell counts in case_lab (NCI, Common Terminology Criteria for Adverse Events v5.0,
-- 2017: "Lymphocyte count decreased", "Neutrophil count decreased", "Platelet count decreased"), in 10^9/L:
--   lymphocytes  grade 1 < LLN-0.8, grade 2 < 0.8-0.5, grade 3 < 0.5-0.2, grade 4 < 0.2
--   neutrophils  grade 1 < LLN-1.5, grade 2 < 1.5-1.0, grade 3 < 1.0-0.5, grade 4 < 0.5
--   platelets    grade 1 < LLN-75,  grade 2 < 75-50,   grade 3 < 50-25,   grade 4 < 25
-- LLN: the result's own lower limit of normal when delivered (lln_source 'reported'), else a common adult one
-- (lymphocytes 1.0, neutrophils 1.8, platelets 150; lln_source 'default'). A result at or above the LLN is grade 0.
-- A bound ("< 0.2") is graded at its value: the true grade is at least that. Results in other units stay ungraded.
-- lab_grade: one row per graded result; case_worst_lab_grade: the worst grade per case and analyte, with the
-- earliest date it was reached.
create or replace view lab_grade as
with limits as (
    select *,
        coalesce(normal_low_1e9_per_l,
                 case analyte when 'lymphocytes' then 1.0 when 'neutrophils' then 1.8 when 'platelets' then 150 end) as lln,
        case when normal_low_1e9_per_l is not null then 'reported' else 'default' end as lln_source,
        case analyte when 'lymphocytes' then [0.8, 0.5, 0.2] when 'neutrophils' then [1.5, 1.0, 0.5]
                     when 'platelets' then [75, 50, 25] end as cuts
    from case_lab
    where analyte is not null and value_1e9_per_l is not null
)
select case_id, lab_seq, analyte, test, test_date, value, value_qualifier, unit, value_1e9_per_l, lln, lln_source,
    case
        when value_1e9_per_l >= lln then 0
        when value_1e9_per_l >= cuts[1] then 1
        when value_1e9_per_l >= cuts[2] then 2
        when value_1e9_per_l >= cuts[3] then 3
        else 4
    end as ctcae_grade
from limits;

create or replace view case_worst_lab_grade as
select case_id, analyte, any_value(worst) as worst_grade,
       min(test_date) filter (where ctcae_grade = worst) as first_date_at_worst,
       count(*) as n_results
from (select *, max(ctcae_grade) over (partition by case_id, analyte) as worst from lab_grade)
group by case_id, analyte;

-- source_overlap: openFDA cases also delivered by FAERS's quarterly files (openFDA is built from them; its
-- safetyreportid is FAERS's caseid). case_report takes such a case from the quarterly files only.
create or replace view source_overlap as
select distinct icsr_case_id(r.format, r.case_key) as case_id, r.load_id as openfda_load_id,
       c.load_id as faers_load_id, c.quarter as faers_quarter
from raw_icsr_report as r
inner join case_report as c on c.case_id = icsr_case_id(r.format, r.case_key) and c.source in ('faers', 'aers')
where r.format = 'openfda';
