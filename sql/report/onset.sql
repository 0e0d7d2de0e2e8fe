-- The time to onset of the run's signals (signal_onset): n, median and quartiles, and the Weibull shape test.
-- Empty before the table existed, or without dated cases.
-- params: run_id, drugs
select o.drug, o.level, o.event, coalesce(l.label, o.event) as event_label, o.n, o.n_negative, o.median_days,
       o.q1_days, o.q3_days, o.shape, o.shape_lower, o.shape_upper, o.scale, o.hazard
from signal_onset as o
semi join signal as s on s.run_id = o.run_id and s.level = o.level and s.drug = o.drug and s.event = o.event
left join event_label as l on l.level = o.level and l.event = o.event
where o.run_id = $run_id and list_contains($drugs, o.drug) and o.n > 0
order by o.drug, o.level, o.median_days, o.event;
