-- case_lab: one row per lab result of a case (E2B F.r; openFDA/E2B(R2) patient.test), from the case's current
-- version. test: the delivered test name, else the MedDRA name of its LLT code (meddra_term), else the code.
-- value: the number delivered (value_qualifier '<', '<=', '>', '>=' when it is a bound, e.g. "< 0.2").
-- analyte: lymphocytes | neutrophils | platelets when the test is one of those cell counts (by its name: a
-- count, not a percentage), for CTCAE grading (view lab_grade); value_1e9_per_l, normal_low_1e9_per_l: the
-- value and the lower limit of normal in 10^9/L (= 10^3/uL): /mm3, /uL and cells/uL divide by 1,000; 10^9/L,
-- G/L, 10^3/uL and K/uL are already so. Another unit leaves them null (the row stays, ungraded).
-- Key: case_id, lab_seq. Inputs: {{ case_report }} (the cases to build), {{ raw_icsr_lab }}, meddra_term.
with labs as (
    select c.case_id, l.lab_seq, l.test_name, l.test_code, l.meddra_version, l.test_date, l.value, l.value_qualifier,
           l.unit, l.normal_low, l.normal_high, l.result_code, l.result_text, l.comments
    from {{ case_report }} as c
    inner join {{ raw_icsr_lab }} as l on l.load_id = c.load_id and l.record_no = c.record_no
    where c.source in ('openfda', 'e2b')
),
code_name as (
    select distinct on (llt_code) cast(llt_code as varchar) as code, llt_name
    from meddra_term
    where matched_on = 'code'
),
named as (
    select labs.*, coalesce(nullif(trim(labs.test_name), ''), n.llt_name, trim(labs.test_code)) as test,
           lower(regexp_replace(trim(labs.unit), '\s+', '', 'g')) as unit_key
    from labs
    left join code_name as n on n.code = trim(labs.test_code)
),
classified as (
    select *,
        case
            when regexp_matches(lower(test), '%|percent|ratio|fraction') then null
            when regexp_matches(lower(test), 'lymphocyte|lymphopenia|\balc\b') then 'lymphocytes'
            when regexp_matches(lower(test), 'neutrophil|neutropenia|\banc\b') then 'neutrophils'
            when regexp_matches(lower(test), 'platelet|thrombocyt|\bplt\b') then 'platelets'
        end as analyte,
        case
            when unit_key in ('10*9/l', '10^9/l', 'x10^9/l', 'x10e9/l', '10e9/l', 'g/l', 'giga/l', '10*3/ul',
                              '10^3/ul', 'x10^3/ul', 'k/ul', '10*3/mm3', '10^3/mm3', 'thou/ul') then 1.0
            when unit_key in ('/mm3', 'cells/mm3', '/ul', '/µl', 'cells/ul', 'cells/µl', '1/ul', '{cells}/ul',
                              '/microl', 'mm3', 'mm-3') then 0.001
        end as to_1e9_per_l
    from named
)
select
    case_id,
    lab_seq,
    test,
    trim(test_code) as test_code,
    trim(meddra_version) as meddra_version,
    icsr_date(test_date) as test_date,
    test_date as test_date_raw,
    try_cast(trim(value) as double) as value,
    value_qualifier,
    trim(unit) as unit,
    try_cast(trim(normal_low) as double) as normal_low,
    try_cast(trim(normal_high) as double) as normal_high,
    trim(result_code) as result_code,
    result_text,
    comments,
    case when to_1e9_per_l is not null then analyte end as analyte,
    round(try_cast(trim(value) as double) * to_1e9_per_l, 6) as value_1e9_per_l,
    round(try_cast(trim(normal_low) as double) * to_1e9_per_l, 6) as normal_low_1e9_per_l
from classified;
