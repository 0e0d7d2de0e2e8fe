-- case_duplicate: one row per FAERS/AERS case that belongs to a group of probable duplicates across
-- different caseids: the same set of active ingredients, the same set of PTs, and the same event date, age,
-- sex and country, where at most one of those four demographic fields may be missing (a case missing one field
-- joins a group whose cases agree on the other three), as published FAERS de-duplication methods allow.
-- One case per group is retained (latest FDA receipt, then highest case_id); the others are counted once with
-- it in the statistics unless the user turns that off. Report-CSV cases are taken as de-duplicated already.
-- Groups never cross a (drug set, PT set) fingerprint, so an incremental build regroups only the fingerprints a
-- new load touched, with every case that has them.
-- Key: case_id. Inputs: {{ case_signature }} (all cases, or every case of the touched fingerprints).
with signature as (
    select * from {{ case_signature }}
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
