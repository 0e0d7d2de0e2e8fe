-- The as-of analysis universe, numbered as analysis_universe.sql numbers the run's: every case version counted
-- (asof_counted_version: those of asof_version, and the current members of the duplicate groups that change with
-- them, asof_dup_member) with at least one drug in $roles and at least one PT the exclusion rule keeps, within the
-- run's $scope by the same rules (asof_version_key), the ingredients (asof_drug), (version, drug) (asof_exposure)
-- and the coded terms (asof_pt_key). A version's report, drugs and terms are those case_report / case_drug /
-- case_event hold for the current version, or those the same models built for an earlier one (asof_case_*). The
-- exclusion rule matches terms by key (excluded_pt_key), so that it also drops a term only an earlier version
-- reported.
-- Inputs: asof_version, asof_dup_member, case_report, case_drug, case_event, case_indication, asof_case_report,
-- asof_case_drug, asof_case_event, asof_case_indication, meddra_term, excluded_pt_key (asof_excluded_pt: the
-- terms of the versions counted that it drops).
-- params: roles, scope
create or replace temp table asof_counted_version as
select version_id from asof_version
union
select version_id from asof_dup_member;

create or replace temp table asof_all_drug as
select case_id as version_id, ingredient, role from case_drug as d
semi join asof_counted_version as v on v.version_id = d.case_id
union all
select case_id, ingredient, role from asof_case_drug;

create or replace temp table asof_all_event as
select case_id as version_id, pt, pt_code from case_event as e
semi join asof_counted_version as v on v.version_id = e.case_id
union all
select case_id, pt, pt_code from asof_case_event;

create or replace temp table asof_excluded_pt as
select pt from (select distinct pt from asof_all_event) semi join excluded_pt_key on match_key = pt_match_key(pt);

create or replace temp view asof_all_indication as
select case_id, indication, indication_reported from case_indication as i
semi join asof_counted_version as v on v.version_id = i.case_id
union all
select case_id, indication, indication_reported from asof_case_indication;

create or replace temp table asof_indication_version as
select case_id as version_id
from background_indication_cases('asof_all_indication', struct_extract($scope, 'background_indications'));

create or replace temp table asof_version_key as
with report as (
    select case_id as version_id, is_serious, coalesce(received_date, fda_date) as received, country,
           reporter_occupation, report_sources
    from case_report as c semi join asof_counted_version as v on v.version_id = c.case_id
    union all
    select case_id, is_serious, coalesce(received_date, fda_date), country, reporter_occupation, report_sources
    from asof_case_report
),
in_scope as (
    select version_id from report
    where case_in_scope(is_serious, received, country, reporter_occupation, report_sources, $scope)
),
scope_drug as (
    select version_id,
           list_contains(struct_extract($scope, 'background_drugs')::varchar[], ingredient) as in_background,
           list_contains(struct_extract($scope, 'exclude_drugs')::varchar[], ingredient) as excluded
    from asof_all_drug
    where list_contains($roles, role)
      and (list_contains(struct_extract($scope, 'background_drugs')::varchar[], ingredient)
           or list_contains(struct_extract($scope, 'exclude_drugs')::varchar[], ingredient))
),
drug_version as (
    select distinct version_id from asof_all_drug
    where list_contains($roles, role) and ingredient is not null
      and (len(struct_extract($scope, 'background_drugs')::varchar[]) = 0
           or version_id in (select version_id from scope_drug where in_background))
      and version_id not in (select version_id from scope_drug where excluded)
      and (len(struct_extract($scope, 'background_indications')::varchar[]) = 0
           or version_id in (select version_id from asof_indication_version))
),
event_version as (
    select distinct e.version_id from asof_all_event as e anti join asof_excluded_pt as x on x.pt = e.pt
)
select version_id, (row_number() over ())::integer as vkey
from asof_counted_version as v
semi join drug_version using (version_id)
semi join event_version using (version_id)
semi join in_scope using (version_id);

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
anti join asof_excluded_pt as x on x.pt = e.pt;
