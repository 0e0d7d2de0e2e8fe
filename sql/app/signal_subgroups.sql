-- The workbench's subgroups of one pair: its statistics by sex and by age band in the latest completed run
-- (signal_subgroup; drugs of interest only). Grain: one row per subgroup.
-- params: level, drug, event
select subgroup_kind, subgroup, a, expected, ror, ror_lower, ror_upper, eb05, is_signal
from signal_subgroup
where run_id = (select max(run_id) from signal_run where status = 'completed')
  and level = $level and drug = $drug and event = $event
order by subgroup_kind, subgroup;
