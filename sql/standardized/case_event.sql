-- case_event: one row per case and MedDRA preferred term (normalized text; pt_reported keeps the delivered
-- spelling, the first seen when a case reports the same PT twice).
-- Inputs: case_report, raw_reac, raw_report_csv.
create or replace table case_event as
with faers_events as (
    select c.case_id, normalize_pt(r.pt) as pt, r.pt as pt_reported, upper(trim(r.drug_rec_act)) as drug_rec_act,
           r.line_no
    from case_report as c
    inner join raw_reac as r on r.quarter = c.quarter and try_cast(r.primaryid as bigint) = c.primary_id
),
csv_events as (
    select r.source_name || ':' || trim(r.report_id) as case_id, normalize_pt(r.event) as pt,
           trim(r.event) as pt_reported, null::varchar as drug_rec_act, r.line_no
    from raw_report_csv as r
),
events as (
    select * from faers_events
    union all
    select * from csv_events
)
select case_id, pt, arg_min(pt_reported, line_no) as pt_reported, arg_min(drug_rec_act, line_no) as drug_rec_act
from events
where pt is not null
group by case_id, pt;
