-- Views for analysts. Documented in docs/analysts.md (schema diagram and example queries).

-- signals_latest: the signals of the latest completed run, one row per level x drug x event.
create or replace view signals_latest as
select s.drug, s.event, s.level, s.a, s.expected, s.prr, s.prr_lower, s.prr_upper, s.ror, s.ror_lower,
       s.ror_upper, s.chi2_yates, s.ic, s.ic025, s.ic975, s.ebgm, s.eb05, s.eb95, s.criteria_met, s.run_id
from signal as s
where s.run_id = (select max(run_id) from signal_run where status = 'completed');

-- signal_history: one row per drug x event that was ever a signal in a completed run: when it first met the
-- criteria, its status now and how its statistics moved since the previous completed run. Two different
-- "firsts": first_run_id / first_run_at / first_run_quarter (the data cutoff of that run) say when pv first raised
-- it; first_signal_quarter says when it would first have been raised, from the latest run's time to signal (the
-- data and priors as they stood at each quarter end; null for a drug that is not a drug of interest).
-- status: new (first met in the latest run) | persisting (met in the latest and the previous run) | re-emerged
-- (met in the latest run, not in the previous one, but in an earlier one) | no longer met (not in the latest).
-- is_method_changed / method_changes: the latest run's method differs from the previous run's
-- (pv.signals.history): its statuses compare runs made differently.
create or replace view signal_history as
with runs as (
    select run_id, score_run_id, data_cutoff_quarter, started_at, method_changes,
           row_number() over (order by run_id desc) as recency
    from signal_run where status = 'completed'
),
latest as (select * from runs where recency = 1),
previous as (select * from runs where recency = 2),
ever as (
    select s.level, s.drug, s.event, min(s.run_id) as first_run_id, max(s.run_id) as last_run_id,
           count(*) as n_runs_as_signal
    from signal as s semi join runs using (run_id)
    group by s.level, s.drug, s.event
),
first_quarter as (
    select level, drug, event, min(quarter) as first_signal_quarter
    from signal_by_quarter
    where is_signal and run_id = (select run_id from latest)
    group by level, drug, event
),
now_score as (
    select sc.* from drug_event_score as sc where sc.run_id = (select score_run_id from latest)
),
before_score as (
    select sc.* from drug_event_score as sc where sc.run_id = (select score_run_id from previous)
)
select
    e.level, e.drug, e.event,
    case
        when e.last_run_id = (select run_id from latest) and exists (
            select 1 from signal as p where p.run_id = (select run_id from previous)
                and p.level = e.level and p.drug = e.drug and p.event = e.event) then 'persisting'
        when e.last_run_id = (select run_id from latest) and e.first_run_id < (select run_id from latest)
            then 're-emerged'
        when e.last_run_id = (select run_id from latest) then 'new'
        else 'no longer met'
    end as status,
    (select method_changes from latest) is not null as is_method_changed,
    (select method_changes from latest) as method_changes,
    e.first_run_id,
    fr.started_at as first_run_at,
    fr.data_cutoff_quarter as first_run_quarter,
    fq.first_signal_quarter,
    e.last_run_id,
    e.n_runs_as_signal,
    n.a, n.expected, n.prr, n.ror_lower, n.ic025, n.ebgm, n.eb05, n.criteria_met,
    b.a as previous_a, b.eb05 as previous_eb05, b.ror_lower as previous_ror_lower, b.ic025 as previous_ic025,
    n.a - b.a as change_a, n.eb05 - b.eb05 as change_eb05
from ever as e
left join runs as fr on fr.run_id = e.first_run_id
left join first_quarter as fq using (level, drug, event)
left join now_score as n using (level, drug, event)
left join before_score as b using (level, drug, event);

-- case_line_listing: the cases behind each drug x event pair of the analysis (level pt, subcategory or
-- category): case details, all suspect and concomitant drugs, all PTs. Filter on drug and event.
-- The drug and PT lists are correlated subqueries so that DuckDB gathers them only for the cases a filter keeps
-- (a grouped join would aggregate every case of the database first).
create or replace view case_line_listing as
select
    ev.level, ex.drug, ev.event, c.case_id, c.source, c.case_version, c.primary_id, c.quarter, c.age_years,
    c.sex, c.country, c.event_date, c.received_date, c.fda_date, c.report_type, c.reporter_occupation,
    c.is_serious, c.is_death, c.outcomes,
    (select list(distinct g.ingredient order by g.ingredient) from case_drug as g
     where g.case_id = c.case_id and g.role in ('PS', 'SS', 'I')) as suspect_drugs,
    (select list(distinct g.ingredient order by g.ingredient) from case_drug as g
     where g.case_id = c.case_id and g.role = 'C') as concomitant_drugs,
    (select list(e.pt order by e.pt) from case_event as e where e.case_id = c.case_id) as pts
from analysis_exposure as ex
inner join analysis_event as ev using (case_id)
inner join case_report as c using (case_id);

-- data_quality: the latest outcome of every expectation per loaded batch.
create or replace view data_quality as
with latest as (
    select *, row_number() over (partition by coalesce(load_id, -1), suite, expectation
                                 order by validation_run_id desc) as rn
    from validation_result
)
select quarter, load_id, suite, expectation, severity, success, element_count, unexpected_count,
       unexpected_percent, sample_values, created_at
from latest
where rn = 1;
