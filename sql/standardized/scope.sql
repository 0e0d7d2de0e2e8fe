-- The cases new loads touch, and every raw row behind them (from any load: a new version of a case competes
-- with its earlier versions, and an old deleted-case list still removes it). Temporary tables, for one
-- incremental build in one transaction.
-- params: load_ids
create or replace temp table scope_case as
select distinct case_id
from (
    select trim(caseid) as case_id from raw_demo where list_contains($load_ids, load_id)
    union all
    select trim(caseid) from raw_deleted_case where list_contains($load_ids, load_id)
    union all
    select source_name || ':' || trim(report_id) from raw_report_csv where list_contains($load_ids, load_id)
    union all
    select icsr_case_id(format, case_key) from raw_icsr_report where list_contains($load_ids, load_id)
)
where case_id is not null;

create or replace temp table scope_raw_demo as
select * from raw_demo where trim(caseid) in (select case_id from scope_case);

create or replace temp table scope_raw_outc as
select o.* from raw_outc as o
semi join scope_raw_demo as d on d.quarter = o.quarter and d.primaryid = o.primaryid;

create or replace temp table scope_raw_rpsr as
select r.* from raw_rpsr as r
semi join scope_raw_demo as d on d.quarter = r.quarter and d.primaryid = r.primaryid;

create or replace temp table scope_raw_deleted_case as
select * from raw_deleted_case where trim(caseid) in (select case_id from scope_case);

create or replace temp table scope_raw_report_csv as
select * from raw_report_csv where source_name || ':' || trim(report_id) in (select case_id from scope_case);

create or replace temp table scope_raw_icsr_report as
select * from raw_icsr_report where icsr_case_id(format, case_key) in (select case_id from scope_case);
