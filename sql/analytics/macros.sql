-- Macros of the analytics layer (pv.signals.prepare defines them for each scoring connection).
-- case_stratum: the stratum of a case for stratified expected counts: age band x sex x report year.
create or replace temp macro case_stratum(age_years, sex, received_date, fda_date) as
    concat_ws('|',
        case when age_years is null then 'unknown' when age_years < 18 then '0-17' when age_years < 45 then '18-44'
             when age_years < 65 then '45-64' when age_years < 75 then '65-74' else '75+' end,
        coalesce(sex, 'unknown'),
        coalesce(year(coalesce(received_date, fda_date))::varchar, 'unknown'));
