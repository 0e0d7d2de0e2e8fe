-- case_event: one row per case and MedDRA preferred term (normalized text; pt_reported keeps the delivered
-- spelling, the first seen when a case reports the same PT twice).
-- Inputs: {{ case_report }} (the cases to build), raw_reac, {{ raw_report_csv }}, quarantined_row.
with faers_events as (
    select c.case_id, r.pt as pt_reported, upper(trim(r.drug_rec_act)) as drug_rec_act, r.line_no
    from {{ case_report }} as c
    inner join raw_reac as r on r.quarter = c.quarter and try_cast(r.primaryid as bigint) = c.primary_id
    anti join quarantined_row as q on q.table_name = 'raw_reac' and q.load_id = r.load_id and q.line_no = r.line_no
),
csv_events as (
    select r.source_name || ':' || trim(r.report_id) as case_id, trim(r.event) as pt_reported,
           null::varchar as drug_rec_act, r.line_no
    from {{ raw_report_csv }} as r
),
events as (
    select * from faers_events
    union all
    select * from csv_events
),
-- normalize each distinct spelling once
pt_map as (
    select pt_reported, normalize_pt(pt_reported) as pt
    from (select distinct pt_reported from events where pt_reported is not null)
)
select e.case_id, m.pt, arg_min(e.pt_reported, e.line_no) as pt_reported,
       arg_min(e.drug_rec_act, e.line_no) as drug_rec_act
from events as e
inner join pt_map as m on m.pt_reported = e.pt_reported
where m.pt is not null
group by e.case_id, m.pt;
