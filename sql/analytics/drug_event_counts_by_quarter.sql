-- drug_event_counts_by_quarter: for the drugs of interest, the 2x2 cells of every pair they were reported with,
-- cumulated at each quarter end: only cases first received (initial FDA receipt) up to that quarter count,
-- each with its latest version. Grain: one row per (level, drug, event, quarter); quarters are those of the
-- loaded data. Cases without a receipt date (report CSVs without received_date) are left out.
-- Inputs: analysis_exposure, analysis_event, case_report.
-- params: drugs
create or replace table drug_event_counts_by_quarter as
-- Only the drugs of interest's cases are joined to their events; the event margins are counted over the events
-- they were reported with: the cost follows those drugs, not the whole analysis universe.
with universe as (
    select distinct case_id from analysis_exposure
),
case_quarter as (
    select c.case_id, year(c.received_date) || 'Q' || quarter(c.received_date) as quarter
    from case_report as c
    semi join universe using (case_id)
    where c.received_date is not null
),
quarters as (select distinct quarter from case_quarter),
drug_case as (
    select x.case_id, x.drug, q.quarter
    from analysis_exposure as x inner join case_quarter as q using (case_id)
    where list_contains($drugs, x.drug)
),
drug_event as (
    select ev.level, dc.drug, ev.event, dc.quarter
    from drug_case as dc inner join analysis_event as ev using (case_id)
),
pairs as (select distinct level, drug, event from drug_event),
inc_total as (select quarter, count(*) as n from case_quarter group by quarter),
inc_drug as (select drug, quarter, count(*) as n from drug_case group by all),
inc_pair as (select level, drug, event, quarter, count(*) as n from drug_event group by all),
inc_event as (
    select ev.level, ev.event, q.quarter, count(*) as n
    from analysis_event as ev
    semi join (select distinct level, event from pairs) as p using (level, event)
    inner join case_quarter as q using (case_id)
    group by all
),
grid as (
    select p.level, p.drug, p.event, q.quarter from pairs as p cross join quarters as q
),
cumulative as (
    select
        g.level, g.drug, g.event, g.quarter,
        sum(coalesce(ip.n, 0)) over w as a,
        sum(coalesce(id.n, 0)) over w as n_drug,
        sum(coalesce(ie.n, 0)) over w as n_event,
        sum(coalesce(it.n, 0)) over w as n_total
    from grid as g
    left join inc_pair as ip on ip.level = g.level and ip.drug = g.drug and ip.event = g.event and ip.quarter = g.quarter
    left join inc_drug as id on id.drug = g.drug and id.quarter = g.quarter
    left join inc_event as ie on ie.level = g.level and ie.event = g.event and ie.quarter = g.quarter
    left join inc_total as it on it.quarter = g.quarter
    window w as (partition by g.level, g.drug, g.event order by g.quarter rows between unbounded preceding and current row)
)
select level, drug, event, quarter, a, n_drug - a as b, n_event - a as c, n_total - n_drug - n_event + a as d
from cumulative
where a > 0
order by level, drug, event, quarter;
