-- The workbench's time to signal for one pair: its statistics at each quarter end of the latest completed run
-- (signal_by_quarter; drugs of interest only).
-- params: level, drug, event
select quarter, a, expected, prr, eb05, ebgm, eb95, is_signal
from signal_by_quarter
where run_id = (select max(run_id) from signal_run where status = 'completed')
  and level = $level and drug = $drug and event = $event
order by quarter;
