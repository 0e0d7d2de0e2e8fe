-- Macros of the analytics layer (pv.signals.prepare defines them for each scoring connection).
-- age_band, sex_group, report_year: the cells subgroups and strata are made of (unknown when not reported).
create or replace temp macro age_band(age_years) as
    case when age_years is null then 'unknown' when age_years < 18 then '0-17' when age_years < 45 then '18-44'
         when age_years < 65 then '45-64' when age_years < 75 then '65-74' else '75+' end;
create or replace temp macro sex_group(sex) as coalesce(sex, 'unknown');
create or replace temp macro report_year(received_date, fda_date) as
    coalesce(year(coalesce(received_date, fda_date))::varchar, 'unknown');

-- case_stratum: the stratum of a case for stratified expected counts: age band x sex x report year.
create or replace temp macro case_stratum(age_years, sex, received_date, fda_date) as
    concat_ws('|', age_band(age_years), sex_group(sex), report_year(received_date, fda_date));

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

-- background_indication_cases: the cases (case_id) with a drug given for one of the indications named (a
-- background's indications): an indication matches when its coded PT, or its text as reported, is one of the
-- names or the PT of one (an LLT name stands for its PT), compared as events are (pt_match_key). indications: a
-- table of case_id, indication, indication_reported (case_indication, or the as-of versions').
create or replace temp macro background_indication_cases(indications, names) as table
    with wanted as (
        select pt_match_key(n) as match_key from unnest(names::varchar[]) as u(n)
        union
        select pt_match_key(t.pt_name) from unnest(names::varchar[]) as u(n)
        inner join meddra_term as t on t.match_key = pt_match_key(n)
    ),
    -- the text work once per distinct spelling, and none at all when no indication is named
    spelling as (
        select distinct indication, indication_reported from query_table(indications)
        where len(names::varchar[]) > 0
    ),
    hit as (
        select indication, indication_reported from spelling
        where pt_match_key(indication) in (select match_key from wanted)
           or pt_match_key(indication_reported) in (select match_key from wanted)
    )
    select distinct i.case_id from query_table(indications) as i
    semi join hit using (indication, indication_reported);
