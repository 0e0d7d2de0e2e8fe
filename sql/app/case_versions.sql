-- The workbench's case page: every version of a FAERS/AERS case delivered in the loaded quarters (raw_demo), the
-- latest first; the standardized layer holds the latest (pv.standardize: case_report).
-- params: case_id
select try_cast(caseversion as integer) as case_version, i_f_code, fda_dt, quarter, primaryid, source_file, line_no
from raw_demo
where trim(caseid) = $case_id
order by try_cast(caseversion as integer) desc nulls last, fda_dt desc, quarter desc;
