-- The workbench's data-quality page: the latest outcome of every expectation on every load (what the data_quality
-- view shows, read from validation_result so that it works before the first run), failures first, critical
-- before warning, the latest quarters first. Grain: one row per load x suite x expectation.
select quarter, load_id, suite, expectation, severity, success, element_count, unexpected_count,
       unexpected_percent, created_at
from validation_result
qualify row_number() over (partition by coalesce(load_id, -1), suite, expectation order by validation_run_id desc) = 1
order by success, severity, quarter desc nulls last, suite, expectation;
