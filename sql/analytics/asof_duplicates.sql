-- Probable duplicates as they were grouped at each quarter end (time to signal without hindsight).
-- asof_signature: the signature (sql/standardized/case_signature.sql) of every version in asof_version.
-- Groups never cross a (drug set, PT set) fingerprint, so only fingerprints two cases have had can hold
-- duplicates, and a fingerprint's groups change only at the quarters its members change (asof_dup_change, with
-- the next such quarter). asof_dup_input: for each such fingerprint and quarter, its members then, in the shape
-- case_duplicate.sql groups: case_id '<qi>|<version_id>', and the quarter inside the drug-set fingerprint so that
-- no group spans two quarters. Inputs: asof_version, case_signature, asof_case_signature.
create or replace temp table asof_signature as
select v.version_id, v.case_id, v.from_qi, v.to_qi, s.fda_date, s.drug_set, s.pt_set, s.f_event, s.f_age, s.f_sex,
       s.f_country, s.n_missing
from asof_version as v
inner join (select * from case_signature union all select * from asof_case_signature) as s
    on s.case_id = v.version_id;

create or replace temp table asof_dup_change as
with shared as (
    select drug_set, pt_set from asof_signature group by all having count(distinct case_id) > 1
),
member as (
    select s.* from asof_signature as s semi join shared using (drug_set, pt_set)
),
change as (
    select drug_set, pt_set, from_qi as qi from member
    union
    select drug_set, pt_set, to_qi from member where to_qi is not null
)
select drug_set, pt_set, qi, lead(qi) over (partition by drug_set, pt_set order by qi) as next_qi
from change;

create or replace temp table asof_dup_input as
select ch.qi::varchar || '|' || m.version_id as case_id, m.fda_date,
       {'x': m.drug_set.x, 's': m.drug_set.s, 'qi': ch.qi} as drug_set, m.pt_set, m.f_event, m.f_age, m.f_sex,
       m.f_country, m.n_missing
from asof_dup_change as ch
inner join asof_signature as m
    on m.drug_set = ch.drug_set and m.pt_set = ch.pt_set and m.from_qi <= ch.qi
   and (m.to_qi is null or ch.qi < m.to_qi);
