-- The cases behind the run's signals for the chosen drugs (at most $max_cases per drug, the most recent first).
-- params: run_id, drugs, max_cases
with wanted as (
    select level, drug, event from signal where run_id = $run_id and list_contains($drugs, drug)
),
cases as (
    select l.drug, l.case_id, list(distinct l.event order by l.event) as signals, any_value(l.case_version) as case_version,
           any_value(l.age_years) as age_years, any_value(l.sex) as sex, any_value(l.country) as country,
           any_value(l.event_date) as event_date, any_value(l.received_date) as received_date,
           any_value(l.is_serious) as is_serious, any_value(l.outcomes) as outcomes,
           any_value(l.suspect_drugs) as suspect_drugs, any_value(l.concomitant_drugs) as concomitant_drugs,
           any_value(l.pts) as pts
    from case_line_listing as l semi join wanted as w using (level, drug, event)
    group by l.drug, l.case_id
)
select drug, case_id, case_version, age_years, sex, country, event_date, received_date, is_serious,
       array_to_string(outcomes, ',') as outcomes, array_to_string(signals, '; ') as signals,
       array_to_string(suspect_drugs, '; ') as suspect_drugs, array_to_string(concomitant_drugs, '; ') as concomitant_drugs,
       array_to_string(pts, '; ') as pts
from cases
qualify row_number() over (partition by drug order by received_date desc nulls last, case_id) <= $max_cases
order by drug, received_date desc nulls last, case_id;
