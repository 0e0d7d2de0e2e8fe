-- Macros of the analytics layer (pv.signals.prepare defines them for each scoring connection).
-- case_stratum: the stratum of a case for stratified expected counts: age band x sex x report year.
create or replace temp macro case_stratum(age_years, sex, received_date, fda_date) as
    concat_ws('|',
        case when age_years is null then 'unknown' when age_years < 18 then '0-17' when age_years < 45 then '18-44'
             when age_years < 65 then '45-64' when age_years < 75 then '65-74' else '75+' end,
        coalesce(sex, 'unknown'),
        coalesce(year(coalesce(received_date, fda_date))::varchar, 'unknown'));

-- case_in_scope: whether a case (or case version) belongs to the comparison population a run's scope defines
-- (pv.signals.Scope): serious only, a received-date period, countries, reporter qualification, report sources
-- left out. f: the scope as a struct. hcp: physician, pharmacist, other health professional, health professional.
create or replace temp macro case_in_scope(is_serious, received, country, reporter, sources, f) as
    (not f.serious_only or coalesce(is_serious, false))
    and (f.received_from is null or received >= f.received_from::date)
    and (f.received_to is null or received <= f.received_to::date)
    and (len(f.countries::varchar[]) = 0 or list_contains(f.countries::varchar[], country))
    and (f.reporters = 'all'
         or (f.reporters = 'no_lawyers' and coalesce(reporter, '') <> 'LW')
         or (f.reporters = 'hcp' and list_contains(['MD', 'PH', 'OT', 'HP'], reporter)))
    and len(list_intersect(coalesce(sources, []::varchar[]), f.exclude_report_sources::varchar[])) = 0;
