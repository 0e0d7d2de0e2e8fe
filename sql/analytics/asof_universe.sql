-- The as-of analysis universe, numbered as analysis_universe.sql numbers the run's: every case version of
-- asof_version with at least one drug in $roles and at least one PT not in excluded_pt (asof_version_key), the
-- ingredients (asof_drug), (version, drug) (asof_exposure) and the coded terms (asof_pt_key). A version's drugs
-- and terms are those case_drug / case_event hold for the current version, or those the same models built for
-- an earlier one (asof_case_drug, asof_case_event).
-- Inputs: asof_version, case_drug, case_event, asof_case_drug, asof_case_event, excluded_pt.
-- params: roles
create or replace temp table asof_all_drug as
select case_id as version_id, ingredient, role from case_drug
union all
select case_id, ingredient, role from asof_case_drug;

create or replace temp table asof_all_event as
select case_id as version_id, pt, pt_code from case_event
union all
select case_id, pt, pt_code from asof_case_event;

create or replace temp table asof_version_key as
with drug_version as (
    select distinct version_id from asof_all_drug where list_contains($roles, role) and ingredient is not null
),
event_version as (
    select distinct e.version_id from asof_all_event as e anti join excluded_pt as x on x.pt = e.pt
)
select version_id, (row_number() over ())::integer as vkey
from (select distinct version_id from asof_version) as v
semi join drug_version using (version_id)
semi join event_version using (version_id);

create or replace temp table asof_drug as
select (row_number() over (order by drug))::integer as drug_id, drug
from (select distinct ingredient as drug from asof_all_drug where ingredient is not null and list_contains($roles, role));

create or replace temp table asof_exposure as
select distinct k.vkey, d.drug_id
from asof_all_drug as x
inner join asof_version_key as k using (version_id)
inner join asof_drug as d on d.drug = x.ingredient
where list_contains($roles, x.role);

create or replace temp table asof_pt_key as
select (row_number() over (order by pt, pt_code))::integer as pt_key, pt, pt_code, pt_match_key(pt) as match_key
from (select distinct pt, pt_code from asof_all_event) as e
anti join excluded_pt as x on x.pt = e.pt;
