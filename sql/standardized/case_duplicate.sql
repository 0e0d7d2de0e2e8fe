-- case_duplicate: one row per FAERS/AERS case that belongs to a group of probable duplicates across
-- different caseids: the same set of active ingredients, the same set of PTs, and the same event date, age,
-- sex and country, where at most one of those four demographic fields may be missing (a case missing one field
-- joins a group whose cases agree on the other three), as published FAERS de-duplication methods allow.
-- One case per group is retained (latest FDA receipt, then highest case_id); the others are counted once with
-- it in the statistics unless the user turns that off. Report-CSV cases are taken as de-duplicated already.
-- Key: case_id. Inputs: case_report, case_drug, case_event.
create or replace table case_duplicate as
with drug_sets as (
    -- an order-free fingerprint of the set (two independent 64-bit hashes of the distinct elements): no sorting
    -- or string building over tens of millions of rows; a false match needs both hashes to collide
    select case_id, {'x': bit_xor(hash(ingredient)), 's': sum(hash(ingredient || '#')::hugeint)} as drug_set
    from (select distinct case_id, ingredient from case_drug)
    group by case_id
),
pt_sets as (
    select case_id, {'x': bit_xor(hash(pt)), 's': sum(hash(pt || '#')::hugeint)} as pt_set
    from case_event group by case_id
),
signature as (
    select
        c.case_id, c.fda_date, d.drug_set, e.pt_set,
        c.event_dt_raw as f_event, c.age_years as f_age, c.sex as f_sex, c.country as f_country,
        (c.event_dt_raw is null)::int + (c.age_years is null)::int + (c.sex is null)::int
            + (c.country is null)::int as n_missing
    from case_report as c
    inner join drug_sets as d on d.case_id = c.case_id
    inner join pt_sets as e on e.case_id = c.case_id
    where c.source in ('faers', 'aers')
),
complete as (
    select
        case_id,
        min(case_id) over (partition by drug_set, pt_set, f_event, f_age, f_sex, f_country) as group_id,
        drug_set, pt_set, f_event, f_age, f_sex, f_country
    from signature where n_missing = 0
),
partial as (
    select * from signature where n_missing = 1
),
partial_matched as (
    select p.case_id, min(c.group_id) as group_id
    from partial as p
    inner join complete as c
        on c.drug_set = p.drug_set and c.pt_set = p.pt_set
        and (p.f_event is null or p.f_event = c.f_event)
        and (p.f_age is null or p.f_age = c.f_age)
        and (p.f_sex is null or p.f_sex = c.f_sex)
        and (p.f_country is null or p.f_country = c.f_country)
    group by p.case_id
),
partial_unmatched as (
    -- partition by treats the one missing field's nulls as equal: same field missing, rest equal
    select case_id, min(case_id) over (partition by drug_set, pt_set, f_event, f_age, f_sex, f_country) as group_id
    from partial
    where case_id not in (select case_id from partial_matched)
),
assigned as (
    select case_id, group_id from complete
    union all select case_id, group_id from partial_matched
    union all select case_id, group_id from partial_unmatched
),
grouped as (
    select a.case_id, a.group_id, s.fda_date, count(*) over (partition by a.group_id) as n_in_group
    from assigned as a inner join signature as s on s.case_id = a.case_id
)
select
    case_id,
    group_id as duplicate_group_id,
    n_in_group,
    row_number() over (partition by group_id order by fda_date desc nulls last, case_id desc) = 1 as is_retained
from grouped
where n_in_group > 1;
