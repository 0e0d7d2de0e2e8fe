-- Cumulative statistics by quarter for the run's signals of the chosen drugs (time to signal).
-- params: run_id, drugs
select q.level, q.drug, q.event, q.quarter, q.a, q.ic, q.ic025, q.ic975, q.ror, q.ror_lower, q.ror_upper, q.eb05,
       q.is_signal
from signal_by_quarter as q
semi join (select level, drug, event from signal where run_id = $run_id) as s using (level, drug, event)
where q.run_id = $run_id and list_contains($drugs, q.drug)
order by q.drug, q.level, q.event, q.quarter;
