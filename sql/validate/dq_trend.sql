-- Failure rate per quarter for every expectation that failed somewhere (latest run per load).
with latest as (
    select *, row_number() over (partition by load_id, suite, expectation order by validation_run_id desc) as rn
    from validation_result
    where load_id in (select load_id from ingest_log where status = 'loaded')
),
failing as (
    select distinct suite, expectation from latest where rn = 1 and not success
)
select l.quarter, l.suite, l.expectation, l.severity,
       round(100.0 * l.unexpected_count / nullif(l.element_count, 0), 3) as unexpected_percent
from latest as l
inner join failing as f using (suite, expectation)
where l.rn = 1
order by l.suite, l.expectation, l.quarter;
