-- asof_quarter: the quarters of the loaded data, numbered (qi), for time to signal (pv.signals.asof): the
-- FAERS/AERS quarters loaded, and the receipt quarters of report-CSV, openFDA and E2B cases.
-- Inputs: ingest_log, case_report.
create or replace temp table asof_quarter as
select quarter, (row_number() over (order by quarter))::integer as qi
from (
    select quarter from ingest_log where status = 'loaded' and quarter is not null
    union
    select year(received_date) || 'Q' || quarter(received_date) from case_report
    where source not in ('faers', 'aers') and received_date is not null
);
