-- The cases as they stood at each quarter end, for time to signal without hindsight (pv.signals.asof), by the
-- quarters of asof_quarter.sql.
-- asof_version: one row per case version and span of quarters [from_qi, to_qi) in which it was the case's latest
-- version: FAERS/AERS by the rule of case_report (highest caseversion, then fda_dt, then quarter, then primaryid)
-- among the versions loaded up to that quarter, ended by the first deleted-case list that names the case. A
-- version enters with the quarter that delivered it. Report-CSV cases enter with their receipt quarter; a case
-- without a receipt date enters with the last quarter (it was known to the run, not before). to_qi is null while
-- the version is current. version_id is the case_id for the version case_report holds, and
-- '<case_id>@<load_id>:<line_no>' for an earlier version (or any version of a case deleted since).
-- Only the versions whose counting changes after quarter $after_qi are kept: those that start or end after it
-- (0: every version; a run that starts from a checkpoint at quarter K passes K, see pv.signals.asof_checkpoint).
-- They are found among the cases that quarters after $after_qi delivered or deleted.
-- asof_raw_demo: the raw rows of those earlier versions, caseid replaced by version_id, so that the
-- standardized models build their case, drug, event and signature rows exactly as they build the current ones;
-- asof_no_deleted_case, asof_no_report_csv and asof_no_icsr_report are the empty inputs those builds take.
-- openFDA/E2B cases are treated as report-CSV cases are: they enter with their receipt quarter, in their current
-- version (their earlier versions are not yet replayed).
-- Inputs: asof_quarter, raw_demo, raw_deleted_case, quarantined_row, case_report.
-- params: after_qi
create or replace temp table asof_version as
with deleted as (
    select trim(d.caseid) as case_id, min(q.qi) as deleted_qi
    from raw_deleted_case as d inner join asof_quarter as q on q.quarter = d.quarter
    group by trim(d.caseid)
),
touched as (
    select distinct trim(d.caseid) as case_id
    from raw_demo as d inner join asof_quarter as q on q.quarter = d.quarter
    where q.qi > $after_qi
    union
    select case_id from deleted where deleted_qi > $after_qi
),
demo_admitted as (
    select d.load_id, d.line_no, trim(d.caseid) as case_id, q.qi,
           {'case_version': coalesce(try_cast(trim(d.caseversion) as integer), -1), 'fda_dt': coalesce(d.fda_dt, ''),
            'quarter': d.quarter, 'primary_id': coalesce(try_cast(d.primaryid as bigint), -1)} as rank_key
    from raw_demo as d
    inner join asof_quarter as q on q.quarter = d.quarter
    semi join touched on touched.case_id = trim(d.caseid)
    anti join quarantined_row as x on x.table_name = 'raw_demo' and x.load_id = d.load_id and x.line_no = d.line_no
),
-- the best version each quarter delivered, then the best of all delivered so far (a running arg_max)
quarter_best as (
    select case_id, qi, arg_max({'load_id': load_id, 'line_no': line_no}, rank_key) as row_ref, max(rank_key) as best
    from demo_admitted
    group by case_id, qi
),
running as (
    select case_id, qi,
           arg_max(row_ref, best) over (partition by case_id order by qi rows between unbounded preceding and current row)
               as winner
    from quarter_best
),
changes as (
    select case_id, qi, winner, lag(winner) over (partition by case_id order by qi) as previous
    from running
),
span as (
    select case_id, winner, qi as from_qi, lead(qi) over (partition by case_id order by qi) as to_qi
    from changes
    where previous is null or previous <> winner
),
faers_version as (
    select s.case_id, s.winner.load_id as load_id, s.winner.line_no as line_no, s.from_qi,
           case when x.deleted_qi is not null and (s.to_qi is null or x.deleted_qi < s.to_qi) then x.deleted_qi
                else s.to_qi end as to_qi
    from span as s
    left join deleted as x using (case_id)
    where x.deleted_qi is null or s.from_qi < x.deleted_qi
),
changing as (
    select * from faers_version where from_qi > $after_qi or to_qi > $after_qi
),
csv_version as (
    select c.case_id, null::integer as load_id, null::bigint as line_no,
           coalesce(q.qi, (select max(qi) from asof_quarter)) as from_qi, null::integer as to_qi
    from case_report as c
    left join asof_quarter as q on q.quarter = year(c.received_date) || 'Q' || quarter(c.received_date)
    where c.source not in ('faers', 'aers')
)
select v.case_id, v.load_id, v.line_no, v.from_qi, v.to_qi,
       case when v.to_qi is null and c.case_id is not null then v.case_id
            else v.case_id || '@' || v.load_id || ':' || v.line_no end as version_id
from changing as v
left join case_report as c on c.case_id = v.case_id and c.load_id = v.load_id and c.source in ('faers', 'aers')
union all
select case_id, load_id, line_no, from_qi, to_qi, case_id from csv_version where from_qi > $after_qi;

create or replace temp table asof_raw_demo as
select d.* replace (v.version_id as caseid)
from raw_demo as d
inner join asof_version as v on v.load_id = d.load_id and v.line_no = d.line_no
where v.version_id <> v.case_id;

create or replace temp table asof_no_deleted_case as select * from raw_deleted_case limit 0;

create or replace temp table asof_no_report_csv as select * from raw_report_csv limit 0;

create or replace temp table asof_no_icsr_report as select * from raw_icsr_report limit 0;
