-- The cases behind the run's signals for the chosen drugs (at most $max_cases per drug, the most recent first).
-- onset_days: days from therapy start with the drug to the event date (case_time_to_onset), where both are known.
-- The cases are chosen first and only their drugs and PTs are gathered: the listing costs the same on a database
-- of 20 M reports as on a small one.
-- params: run_id, drugs, max_cases
with wanted as (
    select level, drug, event from signal where run_id = $run_id and list_contains($drugs, drug)
),
signal_cases as (
    select ex.drug, ev.case_id, list(distinct ev.event order by ev.event) as signals
    from analysis_exposure as ex
    inner join analysis_event as ev using (case_id)
    semi join wanted as w on w.level = ev.level and w.drug = ex.drug and w.event = ev.event
    where list_contains($drugs, ex.drug)
    group by ex.drug, ev.case_id
),
chosen as (
    select s.drug, s.signals, c.case_id, c.case_version, c.age_years, c.sex, c.country, c.event_date,
           c.received_date, c.is_serious, c.outcomes
    from signal_cases as s
    inner join case_report as c using (case_id)
    qualify row_number() over (partition by s.drug order by c.received_date desc nulls last, c.case_id) <= $max_cases
),
drugs as (
    select case_id,
           list(distinct ingredient order by ingredient) filter (where role in ('PS', 'SS', 'I')) as suspect_drugs,
           list(distinct ingredient order by ingredient) filter (where role = 'C') as concomitant_drugs
    from case_drug semi join chosen using (case_id)
    group by case_id
),
pts as (
    select case_id, list(pt order by pt) as pts from case_event semi join chosen using (case_id) group by case_id
),
-- days from the drug's therapy start to the event date (one per case and drug: FAERS dates the case's events once)
onset as (
    select distinct o.drug, o.case_id, o.onset_days
    from case_time_to_onset as o semi join chosen as c on c.case_id = o.case_id and c.drug = o.drug
)
select c.drug, c.case_id, c.case_version, c.age_years, c.sex, c.country, c.event_date, c.received_date, c.is_serious,
       array_to_string(c.outcomes, ',') as outcomes, array_to_string(c.signals, '; ') as signals,
       array_to_string(d.suspect_drugs, '; ') as suspect_drugs,
       array_to_string(d.concomitant_drugs, '; ') as concomitant_drugs,
       array_to_string(p.pts, '; ') as pts, o.onset_days
from chosen as c
left join drugs as d using (case_id)
left join pts as p using (case_id)
left join onset as o on o.case_id = c.case_id and o.drug = c.drug
order by c.drug, c.received_date desc nulls last, c.case_id;
