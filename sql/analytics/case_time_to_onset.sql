-- case_time_to_onset: for the drugs of interest, one row per (level, drug, event, case) of the analysis universe
-- where the case gives both dates: onset_days = the case's event date (FAERS DEMO event_dt: the onset of the
-- reported reaction, one date per case) minus the earliest therapy start of the drug in the case (THER start_dt,
-- over its rows in the run's roles). Negative values (onset before the drug was started) are kept here, left out
-- of the summaries and counted there. Inputs: analysis_exposure, analysis_event, case_drug, case_report.
-- params: drugs, roles
create or replace table case_time_to_onset as
with start as (
    select d.case_id, d.ingredient as drug, min(d.therapy_start_date) as therapy_start_date
    from case_drug as d
    semi join analysis_exposure as x on x.case_id = d.case_id and x.drug = d.ingredient
    where list_contains($drugs, d.ingredient) and list_contains($roles, d.role) and d.therapy_start_date is not null
    group by all
)
select ev.level, s.drug, ev.event, s.case_id, s.therapy_start_date, c.event_date,
       date_diff('day', s.therapy_start_date, c.event_date) as onset_days
from start as s
inner join case_report as c using (case_id)
inner join analysis_event as ev using (case_id)
where c.event_date is not null;
