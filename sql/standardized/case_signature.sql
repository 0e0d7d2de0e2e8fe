-- case_signature: what probable-duplicate detection compares, one row per FAERS/AERS case with at least one drug
-- and one PT: order-free fingerprints of its set of active ingredients and of its set of PTs (two independent
-- 64-bit hashes of the distinct elements each: no sorting or string building over tens of millions of rows; a
-- false match needs both hashes to collide), and the four demographic fields.
-- Kept as a table so that an incremental build regroups only the cases whose fingerprints a new load touched.
-- Key: case_id. Inputs: {{ case_report }}, {{ case_drug }}, {{ case_event }} (all cases, or the cases rebuilt).
with drug_sets as (
    select case_id, {'x': bit_xor(hash(ingredient)), 's': sum(hash(ingredient || '#')::hugeint)} as drug_set
    from (select distinct case_id, ingredient from {{ case_drug }})
    group by case_id
),
pt_sets as (
    select case_id, {'x': bit_xor(hash(pt)), 's': sum(hash(pt || '#')::hugeint)} as pt_set
    from {{ case_event }} group by case_id
)
select
    c.case_id, c.fda_date, d.drug_set, e.pt_set,
    c.event_dt_raw as f_event, c.age_years as f_age, c.sex as f_sex, c.country as f_country,
    (c.event_dt_raw is null)::int + (c.age_years is null)::int + (c.sex is null)::int
        + (c.country is null)::int as n_missing
from {{ case_report }} as c
inner join drug_sets as d on d.case_id = c.case_id
inner join pt_sets as e on e.case_id = c.case_id
where c.source in ('faers', 'aers')
