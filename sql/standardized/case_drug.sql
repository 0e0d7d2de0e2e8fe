-- case_drug: one row per case and drug (FAERS drug_seq; for report CSVs, each distinct drug of a report).
-- ingredient: prod_ai where FAERS gives it; else the cleaned drug name looked up in drug_synonym; else the
-- name in parentheses, looked up or as it stands (AERS's 'METALYSE (TENECTEPLASE)' convention); else the
-- cleaned name itself (ingredient_source = 'unmapped').
-- Report-CSV drugs are already coded: used as given (trimmed, upper-cased) unless loaded with --map-drugs.
-- Inputs: case_report, raw_drug, raw_report_csv, drug_synonym.
create or replace table case_drug as
with faers_rows as (
    select
        c.case_id,
        try_cast(d.drug_seq as bigint) as drug_seq,
        upper(trim(d.role_cod)) as role,
        d.drugname as drug_name_reported,
        nullif(upper(trim(regexp_replace(d.prod_ai, '\s+', ' ', 'g'))), '') as prod_ai,
        upper(trim(d.route)) as route,
        upper(trim(d.dechal)) as dechal,
        upper(trim(d.rechal)) as rechal,
        true as map_drugs,
        row_number() over (partition by c.case_id, d.drug_seq order by d.line_no) as seq_rank
    from case_report as c
    inner join raw_drug as d on d.quarter = c.quarter and try_cast(d.primaryid as bigint) = c.primary_id
),
csv_rows as (
    select
        r.source_name || ':' || trim(r.report_id) as case_id,
        null::bigint as drug_seq,
        coalesce(upper(trim(r.role)), 'PS') as role,
        trim(r.drug) as drug_name_reported,
        null::varchar as prod_ai,
        null::varchar as route,
        null::varchar as dechal,
        null::varchar as rechal,
        r.map_drugs,
        -- one row per report and drug: the strongest role wins (PS > SS > C > I)
        row_number() over (
            partition by r.source_name, trim(r.report_id), upper(trim(r.drug))
            order by list_position(['PS', 'SS', 'C', 'I'], coalesce(upper(trim(r.role)), 'PS')), r.line_no
        ) as seq_rank
    from raw_report_csv as r
),
drugs as (
    select * exclude (seq_rank) from faers_rows where seq_rank = 1
    union all
    select * exclude (seq_rank) from csv_rows where seq_rank = 1
),
looked_up as (
    select
        drugs.*,
        coalesce(clean_drug_name(drug_name_reported),
                 clean_drug_name(regexp_extract(drug_name_reported, '\(([^)]*)\)', 1))) as drug_name_clean,
        syn.ingredient as synonym_ingredient,
        coalesce(paren.ingredient, clean_drug_name(regexp_extract(drugs.drug_name_reported, '\(([^)]*)\)', 1)))
            as parenthetical_ingredient
    from drugs
    left join drug_synonym as syn on syn.name = clean_drug_name(drugs.drug_name_reported)
    left join drug_synonym as paren
        on paren.name = clean_drug_name(regexp_extract(drugs.drug_name_reported, '\(([^)]*)\)', 1))
)
select
    case_id,
    coalesce(drug_seq, row_number() over (partition by case_id order by drug_name_reported)) as drug_seq,
    role,
    drug_name_reported,
    drug_name_clean,
    prod_ai,
    case
        when not map_drugs then upper(trim(drug_name_reported))
        else coalesce(prod_ai, synonym_ingredient, parenthetical_ingredient, drug_name_clean,
                      upper(trim(drug_name_reported)))
    end as ingredient,
    case
        when not map_drugs then 'as_coded'
        when prod_ai is not null then 'prod_ai'
        when synonym_ingredient is not null then 'synonym'
        when parenthetical_ingredient is not null then 'parenthetical'
        else 'unmapped'
    end as ingredient_source,
    route,
    dechal,
    rechal
from looked_up;
