-- case_report: one row per case.
-- report_sources: the FAERS RPSR codes of the version (study, literature, health professional, consumer...).
-- FAERS/AERS: the latest version of each caseid (highest caseversion, then latest fda_dt, then latest quarter,
-- then highest primaryid), cases on FDA's deleted lists removed. Report CSVs: one row per report_id of each
-- source, case_id = '<source>:<report_id>' (taken as already de-duplicated by their source).
-- openFDA and E2B (raw_icsr_report): the latest version of each case (macro icsr_case_id): highest report version,
-- then latest C.1.5 / receiptdate, then latest C.1.2 / transmission date, then the file loaded last, then the
-- report later in its file (FDA's E2B examples repeat a case with equal C.1.5 dates: the later creation, then the
-- later delivery, is taken as the correction). record_no ties the case to its drugs, reactions and labs.
-- An openFDA case that FAERS's quarterly files also hold (openFDA is built from them: safetyreportid = caseid) is
-- taken from the quarterly files only; view source_overlap lists them.
-- Rows held in quarantine (view quarantined_row) are left out.
-- Key: case_id. Inputs: {{ raw_demo }}, {{ raw_outc }}, {{ raw_rpsr }}, {{ raw_deleted_case }},
-- {{ raw_report_csv }}, {{ raw_icsr_report }} (the raw tables, or on an incremental build their rows for the cases
-- a new load touched), quarantined_row.
with demo_admitted as (
    select d.load_id, d.line_no, d.quarter, d.primaryid, d.caseid, d.caseversion, d.fda_dt
    from {{ raw_demo }} as d
    anti join quarantined_row as q on q.table_name = 'raw_demo' and q.load_id = d.load_id and q.line_no = d.line_no
),
deleted as (
    select distinct trim(caseid) as caseid from {{ raw_deleted_case }}
),
latest_version as (
    -- one aggregate pass instead of a window over every column: the winning row's (load_id, line_no)
    select
        trim(caseid) as caseid,
        arg_max({'load_id': load_id, 'line_no': line_no}, {
            'case_version': coalesce(try_cast(trim(caseversion) as integer), -1),
            'fda_dt': coalesce(fda_dt, ''),
            'quarter': quarter,
            'primary_id': coalesce(try_cast(primaryid as bigint), -1)}) as winner,
        count(*) as n_versions
    from demo_admitted
    group by trim(caseid)
),
latest as (
    select d.*, try_cast(trim(d.caseversion) as integer) as case_version, v.n_versions
    from latest_version as v
    inner join {{ raw_demo }} as d on d.load_id = v.winner.load_id and d.line_no = v.winner.line_no
    where v.caseid not in (select caseid from deleted)
),
outcomes as (
    -- sorted distinct codes (list_sort(list_distinct(...)): one aggregate, where list(distinct ... order by ...)
    -- plans two more groupings and a join)
    select o.quarter, o.primaryid, list_sort(list_distinct(list(upper(trim(o.outc_cod))))) as outcomes
    from {{ raw_outc }} as o
    anti join quarantined_row as q on q.table_name = 'raw_outc' and q.load_id = o.load_id and q.line_no = o.line_no
    where o.outc_cod is not null
    group by o.quarter, o.primaryid
),
report_sources as (
    -- FAERS RPSR: where the report came from (e.g. SDY study, LIT literature, HP, CSM consumer, FGN foreign)
    select r.quarter, r.primaryid, list_sort(list_distinct(list(upper(trim(r.rpsr_cod))))) as sources
    from {{ raw_rpsr }} as r
    anti join quarantined_row as q on q.table_name = 'raw_rpsr' and q.load_id = r.load_id and q.line_no = r.line_no
    where r.rpsr_cod is not null
    group by r.quarter, r.primaryid
),
faers_cases as (
    select
        trim(l.caseid) as case_id,
        case when l.quarter < '2012Q4' then 'aers' else 'faers' end as source,
        try_cast(l.primaryid as bigint) as primary_id,
        l.case_version,
        l.n_versions,
        l.quarter,
        l.load_id,
        faers_date(l.event_dt) as event_date,
        l.event_dt as event_dt_raw,
        coalesce(faers_date(l.init_fda_dt), faers_date(l.fda_dt)) as received_date,
        faers_date(l.fda_dt) as fda_date,
        upper(trim(l.rept_cod)) as report_type,
        age_in_years(l.age, l.age_cod) as age_years,
        sex_code(l.sex) as sex,
        upper(trim(coalesce(l.occr_country, l.reporter_country))) as country,
        upper(trim(l.occp_cod)) as reporter_occupation,
        round(try_cast(trim(l.wt) as double) * case upper(trim(l.wt_cod))
            when 'KG' then 1.0 when 'KGS' then 1.0 when 'LBS' then 0.45359237 when 'LB' then 0.45359237 end, 2)
            as weight_kg,
        coalesce(o.outcomes, []) as outcomes,
        coalesce(rs.sources, []) as report_sources,
        null::bigint as record_no
    from latest as l
    left join outcomes as o on o.quarter = l.quarter and o.primaryid = l.primaryid
    left join report_sources as rs on rs.quarter = l.quarter and rs.primaryid = l.primaryid
),
csv_cases as (
    select
        source_name || ':' || trim(report_id) as case_id,
        source_name as source,
        null::bigint as primary_id,
        null::integer as case_version,
        1::bigint as n_versions,
        null::varchar as quarter,
        max(load_id) as load_id,
        null::date as event_date,
        null::varchar as event_dt_raw,
        max(coalesce(try_cast(trim(received_date) as date), faers_date(received_date))) as received_date,
        null::date as fda_date,
        null::varchar as report_type,
        max(case when try_cast(trim(age_years) as double) between 0 and 120
                 then try_cast(trim(age_years) as double) end) as age_years,
        max(sex_code(sex)) as sex,
        max(upper(trim(country))) as country,
        null::varchar as reporter_occupation,
        null::double as weight_kg,
        []::varchar[] as outcomes,
        []::varchar[] as report_sources,
        null::bigint as record_no
    from {{ raw_report_csv }}
    group by source_name, trim(report_id)
),
icsr_admitted as (
    select r.load_id, r.record_no, icsr_case_id(r.format, r.case_key) as case_id,
           {'version': coalesce(try_cast(trim(r.report_version) as integer), -1),
            'most_recent': icsr_instant(r.most_recent), 'created': icsr_instant(r.created),
            'load_id': r.load_id, 'record_no': r.record_no} as rank_key
    from {{ raw_icsr_report }} as r
    -- quarantine holds an E2B/openFDA report whole, keyed by its record_no
    anti join quarantined_row as q
        on q.table_name like 'raw_icsr_%' and q.load_id = r.load_id and q.line_no = r.record_no
    where r.case_key is not null
),
icsr_latest as (
    select a.case_id, arg_max({'load_id': a.load_id, 'record_no': a.record_no}, a.rank_key) as winner,
           count(*) as n_versions
    from icsr_admitted as a
    -- the FAERS cases: latest_version less the deleted (narrower than faers_cases, which then need not be kept)
    anti join (select caseid from latest_version where caseid not in (select caseid from deleted)) as f
        on f.caseid = a.case_id
    group by a.case_id
),
icsr_cases as (
    select
        l.case_id,
        case when r.format = 'openfda' then 'openfda' else 'e2b' end as source,
        null::bigint as primary_id,
        try_cast(trim(r.report_version) as integer) as case_version,
        l.n_versions,
        null::varchar as quarter,
        r.load_id,
        null::date as event_date,
        null::varchar as event_dt_raw,
        coalesce(icsr_date(r.first_received), icsr_date(r.most_recent)) as received_date,
        icsr_date(r.most_recent) as fda_date,
        trim(r.report_type) as report_type,
        icsr_age_years(r.age, r.age_unit) as age_years,
        case trim(r.sex) when '1' then 'M' when '2' then 'F' end as sex,
        upper(trim(coalesce(r.occur_country, r.reporter_country))) as country,
        icsr_occupation(r.reporter_qualification) as reporter_occupation,
        round(try_cast(trim(r.weight) as double), 2) as weight_kg,
        -- the seriousness criteria as FAERS's outcome codes, so seriousness reads every source alike
        list_filter([
            case when trim(r.seriousness_death) = '1' then 'DE' end,
            case when trim(r.seriousness_life_threatening) = '1' then 'LT' end,
            case when trim(r.seriousness_hospitalization) = '1' then 'HO' end,
            case when trim(r.seriousness_disabling) = '1' then 'DS' end,
            case when trim(r.seriousness_congenital_anomaly) = '1' then 'CA' end,
            case when trim(r.seriousness_other) = '1' or (trim(r.serious) = '1' and coalesce(
                trim(r.seriousness_death), trim(r.seriousness_life_threatening), trim(r.seriousness_hospitalization),
                trim(r.seriousness_disabling), trim(r.seriousness_congenital_anomaly)) is null) then 'OT' end],
            lambda x: x is not null) as outcomes,
        []::varchar[] as report_sources,
        r.record_no
    from icsr_latest as l
    inner join {{ raw_icsr_report }} as r on r.load_id = l.winner.load_id and r.record_no = l.winner.record_no
)
select
    *,
    len(list_intersect(outcomes, ['DE', 'LT', 'HO', 'DS', 'CA', 'RI', 'OT'])) > 0 as is_serious,
    list_contains(outcomes, 'DE') as is_death
from (select * from faers_cases union all by name select * from csv_cases union all by name select * from icsr_cases);
