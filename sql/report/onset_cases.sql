-- The dated cases behind the run's signals' times to onset (case_time_to_onset, the latest run's), for the plot.
-- params: run_id, drugs
select o.drug, o.level, o.event, coalesce(l.label, o.event) as event_label, o.case_id, o.onset_days
from case_time_to_onset as o
semi join signal as s on s.run_id = $run_id and s.level = o.level and s.drug = o.drug and s.event = o.event
left join event_label as l on l.level = o.level and l.event = o.event
where list_contains($drugs, o.drug) and o.onset_days >= 0
order by o.drug, o.level, o.event, o.onset_days;
