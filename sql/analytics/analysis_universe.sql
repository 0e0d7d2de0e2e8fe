-- analysis universe: the cases, drugs and coded terms of a score run, numbered so that counting joins and groups
-- integers (see drug_event_counts.sql). analysis_case: the report universe (cases with at least one drug in
-- $roles and at least one PT not in excluded_pt, without the non-retained members of probable-duplicate groups
-- when $collapse_duplicates, and within the run's $scope: case_in_scope (serious only, received period,
-- countries, reporters, report sources), a background of drugs (reports with any of them in $roles), a background
-- of indications (reports with a drug given for one of them: scope_indication_case) and drugs whose reports are
-- left out (unmasking)), with the row of case_report it was counted from (report_rowid: a hint for fetching
-- a few cases' reports without scanning case_report, checked against case_id where used); analysis_drug: every
-- ingredient in $roles; analysis_exposure_key:
-- (case, drug); analysis_pt_key (temp): each coded term (PT text and code; an unmatched term has no code) once.
-- Inputs: case_report, case_duplicate, case_drug, case_event, case_indication, meddra_term, excluded_pt.
-- params: roles, collapse_duplicates, scope
create or replace temp table scope_indication_case as
select * from background_indication_cases('case_indication', struct_extract($scope, 'background_indications'));

create or replace table analysis_case as
with kept_case as (
    select case_id, c.rowid as report_rowid from case_report as c
    where not ($collapse_duplicates and case_id in (select case_id from case_duplicate where not is_retained))
      and case_in_scope(c.is_serious, coalesce(c.received_date, c.fda_date), c.country, c.reporter_occupation,
                        c.report_sources, $scope)
),
scope_drug as (
    select d.case_id, list_contains(struct_extract($scope, 'background_drugs')::varchar[], d.ingredient) as in_background,
           list_contains(struct_extract($scope, 'exclude_drugs')::varchar[], d.ingredient) as excluded
    from case_drug as d
    where list_contains($roles, d.role)
      and (list_contains(struct_extract($scope, 'background_drugs')::varchar[], d.ingredient)
           or list_contains(struct_extract($scope, 'exclude_drugs')::varchar[], d.ingredient))
),
drug_case as (
    select distinct d.case_id from case_drug as d
    semi join kept_case using (case_id)
    where list_contains($roles, d.role) and d.ingredient is not null
      and (len(struct_extract($scope, 'background_drugs')::varchar[]) = 0
           or d.case_id in (select case_id from scope_drug where in_background))
      and d.case_id not in (select case_id from scope_drug where excluded)
      and (len(struct_extract($scope, 'background_indications')::varchar[]) = 0
           or d.case_id in (select case_id from scope_indication_case))
),
event_case as (
    select distinct e.case_id from case_event as e
    semi join kept_case using (case_id)
    anti join excluded_pt as x on x.pt = e.pt
)
-- numbered in the order written, so case_key = rowid + 1 (the line listing reads by row, and checks it)
select k.case_id, (row_number() over ())::integer as case_key, k.report_rowid
from kept_case as k
semi join drug_case using (case_id)
semi join event_case using (case_id);

create or replace table analysis_drug as
select (row_number() over (order by drug))::integer as drug_id, drug
from (select distinct ingredient as drug from case_drug where ingredient is not null and list_contains($roles, role));

-- in drug_id order: a drug's cases then sit in a few row groups, which the workbench's line listing reads alone
create or replace table analysis_exposure_key as
select distinct c.case_key, dd.drug_id
from case_drug as d
inner join analysis_case as c using (case_id)
inner join analysis_drug as dd on dd.drug = d.ingredient
where list_contains($roles, d.role)
order by drug_id, case_key;

create or replace temp table analysis_pt_key as
select (row_number() over (order by pt, pt_code))::integer as pt_key, pt, pt_code, pt_match_key(pt) as match_key
from (select distinct pt, pt_code from case_event) as e
anti join excluded_pt as x on x.pt = e.pt;
