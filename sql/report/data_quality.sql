-- Data quality for the report: per loaded quarter, rows, quarantine, duplicates and unmapped drug names.
select
    l.quarter, l.format, l.n_demo, l.n_drug, l.n_reac, l.n_quarantined,
    (select count(*) from case_duplicate as d inner join case_report as c using (case_id)
     where c.quarter = l.quarter and not d.is_retained) as n_duplicates_removed,
    (select count(*) from case_drug as g inner join case_report as c using (case_id)
     where c.quarter = l.quarter and g.ingredient_source = 'unmapped') as n_unmapped_drug_rows,
    (select count(*) from validation_result as v
     where v.load_id = l.load_id and not v.success and v.severity = 'critical') as n_critical_checks_failed,
    (select count(*) from validation_result as v
     where v.load_id = l.load_id and not v.success and v.severity = 'warning') as n_warning_checks_failed
from ingest_log as l
where l.status = 'loaded'
order by l.quarter nulls last, l.load_id;
