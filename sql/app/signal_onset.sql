-- The workbench's time to onset of one pair: the latest completed run's summary (signal_onset: n, median, IQR,
-- Weibull shape) and its dated cases' days from therapy start to onset (case_time_to_onset), for the histogram.
-- params: level, drug, event
select o.n, o.n_negative, o.median_days, o.q1_days, o.q3_days, o.shape, o.shape_lower, o.shape_upper, o.hazard,
       (select list(t.onset_days order by t.onset_days) from case_time_to_onset as t
        where t.level = o.level and t.drug = o.drug and t.event = o.event and t.onset_days >= 0) as onset_days
from signal_onset as o
where o.run_id = (select max(run_id) from signal_run where status = 'completed')
  and o.level = $level and o.drug = $drug and o.event = $event;
