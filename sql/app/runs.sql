-- The workbench's runs page: every signal run, the latest first, with its status, data cut-off, signals, method
-- changes and step timings. Grain: one row per run.
select run_id, status, started_at, finished_at, data_cutoff_quarter, n_signals, n_new, n_re_emerged,
       n_no_longer_met, method_changes, step_seconds, error, config
from signal_run
order by run_id desc;
