-- Probable duplicates as they were grouped at each quarter end (time to signal without hindsight).
-- asof_signature: the signature (sql/standardized/case_signature.sql) of every version in asof_version.
-- Groups never cross a (drug set, PT set) fingerprint, so only fingerprints two cases have had can hold
-- duplicates, and a fingerprint's groups change only at the quarters its members change. Counting after quarter
-- $after_qi (0: from the start) needs the groups of the fingerprints of asof_version (the versions that change
-- after it) at $after_qi and at each later change: their members then are those versions and the current
-- versions of the same fingerprints, which were the case's latest by $after_qi and stay so (asof_dup_member).
-- asof_dup_change: each such fingerprint's change quarters from $after_qi on, with the next one. asof_dup_input:
-- for each fingerprint and change quarter, its members then, in the shape case_duplicate.sql groups: case_id
-- '<qi>|<case_id>' (a case has one version at a time, and naming it by its case, not by its version, keeps the
-- grouping free of hindsight: whether a version was replaced later does not change how it was grouped), and the
-- quarter inside the drug-set fingerprint so that no group spans two quarters.
-- Inputs: asof_version, case_signature, asof_case_signature.
-- params: after_qi
create or replace temp table asof_signature as
select v.version_id, v.case_id, v.from_qi, v.to_qi, s.fda_date, s.drug_set, s.pt_set, s.f_event, s.f_age, s.f_sex,
       s.f_country, s.n_missing
from asof_version as v
inner join (select * from case_signature union all select * from asof_case_signature) as s
    on s.case_id = v.version_id;

create or replace temp table asof_dup_member as
select * from asof_signature
union all
select c.case_id as version_id, c.case_id, $after_qi::integer as from_qi, null::integer as to_qi, c.fda_date,
       c.drug_set, c.pt_set, c.f_event, c.f_age, c.f_sex, c.f_country, c.n_missing
from case_signature as c
semi join (select distinct drug_set, pt_set from asof_signature) as f using (drug_set, pt_set)
anti join asof_version as v on v.version_id = c.case_id
where $after_qi > 0;

create or replace temp table asof_dup_change as
with shared as (
    select drug_set, pt_set from asof_dup_member group by all having count(distinct case_id) > 1
),
member as (
    select s.* from asof_dup_member as s semi join shared using (drug_set, pt_set)
),
change as (
    select drug_set, pt_set, $after_qi::integer as qi from shared where $after_qi > 0
    union
    select drug_set, pt_set, from_qi from member where from_qi > $after_qi
    union
    select drug_set, pt_set, to_qi from member where to_qi > $after_qi
)
select drug_set, pt_set, qi, lead(qi) over (partition by drug_set, pt_set order by qi) as next_qi
from change;

create or replace temp table asof_dup_input as
select ch.qi::varchar || '|' || m.case_id as case_id, m.fda_date,
       {'x': m.drug_set.x, 's': m.drug_set.s, 'qi': ch.qi} as drug_set, m.pt_set, m.f_event, m.f_age, m.f_sex,
       m.f_country, m.n_missing
from asof_dup_change as ch
inner join asof_dup_member as m
    on m.drug_set = ch.drug_set and m.pt_set = ch.pt_set and m.from_qi <= ch.qi
   and (m.to_qi is null or ch.qi < m.to_qi);
