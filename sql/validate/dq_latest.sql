-- The latest outcome of every expectation for every loaded batch (raw: per load; standardized: latest run),
-- summed per suite and expectation.
with latest as (
    select *, row_number() over (partition by coalesce(load_id, -1), suite, expectation
                                 order by validation_run_id desc) as rn
    from validation_result
    where load_id is null or load_id in (select load_id from ingest_log where status = 'loaded')
)
select suite, expectation, severity,
       sum(element_count) as element_count, sum(unexpected_count) as unexpected_count,
       round(100.0 * sum(unexpected_count) / nullif(sum(element_count), 0), 3) as unexpected_percent,
       bool_and(success) as success, count(*) as n_batches
from latest
where rn = 1 and (load_id is not null or validation_run_id = (select max(validation_run_id) from validation_result where load_id is null))
group by suite, expectation, severity
order by success, severity, unexpected_count desc, suite, expectation;
