-- Validation batch for one load of raw_demo: the delivered rows plus the derived columns the expectations in
-- expectations/raw_demo.json read (era, date validity, future dates, event after receipt, age in years).
-- params: load_id
select
    d.line_no, d.source_file, d.primaryid, d.caseid, d.caseversion, d.fda_dt, d.event_dt, d.init_fda_dt,
    d.mfr_dt, d.rept_dt, d.sex, d.rept_cod, d.occp_cod, d.age, d.age_cod, d.wt_cod,
    case when d.quarter >= '2012Q4' then d.caseversion end as caseversion_if_faers,
    case when d.fda_dt is not null then faers_date(d.fda_dt) is not null end as fda_dt_is_valid,
    case when d.fda_dt is not null then faers_date_floor(d.fda_dt) > current_date end as fda_dt_in_future,
    case when d.event_dt is not null then faers_date_floor(d.event_dt) is not null end as event_dt_is_valid,
    case when d.event_dt is not null then faers_date_floor(d.event_dt) > current_date end as event_dt_in_future,
    case when d.event_dt is not null and d.fda_dt is not null
         then faers_date_floor(d.event_dt) > faers_date(d.fda_dt) end as event_after_fda,
    try_cast(trim(d.age) as double) * case upper(trim(d.age_cod))
        when 'DEC' then 10.0 when 'YR' then 1.0 when 'MON' then 1.0 / 12 when 'WK' then 7.0 / 365.25
        when 'DY' then 1.0 / 365.25 when 'HR' then 1.0 / 8766 end as age_in_years,
    case when d.age is not null then d.age_cod is null end as age_without_unit
from raw_demo as d
where d.load_id = $load_id
order by d.line_no;
