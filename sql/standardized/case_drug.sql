-- case_drug: one row per case, drug (FAERS drug_seq; for report CSVs, each distinct drug of a report) and ingredient.
-- ingredient: prod_ai where FAERS gives it; else the cleaned drug name looked up in drug_synonym; else the
-- name in parentheses, looked up or as it stands (AERS's 'METALYSE (TENECTEPLASE)' convention); else the
-- cleaned name itself (ingredient_source = 'unmapped').
-- Report-CSV drugs are already coded: used as given (trimmed, upper-cased) unless loaded with --map-drugs.
-- openFDA/E2B drugs: the active substances (names joined by '\' for a combination, as FAERS's prod_ai) play
-- prod_ai's part and the medicinal product the drug name's. Role: characterisation 1 suspect, 2 concomitant (C),
-- 3 interacting (I), 4 not administered (left out: not an exposure); E2B has no primary suspect, so the first
-- suspect listed (senders list suspects first) is PS and the others SS.
-- A combination's active substances ('HYDROCHLOROTHIAZIDE\LISINOPRIL') give one row per ingredient: a case with the
-- combination counts for each of them. Key: case_id, drug_seq, ingredient.
-- therapy_start_date: the earliest full start date (THER start_dt, YYYYMMDD) FAERS gives for the drug in the
-- report (openFDA/E2B: the drug's start date), for the time to onset; null for report CSVs and partial dates.
-- Inputs: {{ case_report }} (the cases to build), raw_drug, raw_ther, {{ raw_report_csv }}, {{ raw_icsr_drug }},
-- drug_synonym, quarantined_row.
with therapy as (
    select t.quarter, try_cast(t.primaryid as bigint) as primary_id, try_cast(t.dsg_drug_seq as bigint) as drug_seq,
           min(faers_date(t.start_dt)) as therapy_start_date
    from raw_ther as t
    semi join {{ case_report }} as c on c.quarter = t.quarter and c.primary_id = try_cast(t.primaryid as bigint)
    anti join quarantined_row as q on q.table_name = 'raw_ther' and q.load_id = t.load_id and q.line_no = t.line_no
    where t.start_dt is not null
    group by all
),
-- a drug_seq delivered twice for one report: only its first line counts. The other lines are found on narrow keys
-- (a window over whole rows held 14 GB at 20 M reports), so the join below carries no payload for them.
faers_admitted_drug as (
    select d.load_id, d.line_no, d.quarter, try_cast(d.primaryid as bigint) as primary_id, d.drug_seq
    from raw_drug as d
    semi join {{ case_report }} as c on c.quarter = d.quarter and c.primary_id = try_cast(d.primaryid as bigint)
    anti join quarantined_row as q on q.table_name = 'raw_drug' and q.load_id = d.load_id and q.line_no = d.line_no
),
-- the (report, drug_seq) keys given twice, found by a hash of the key (one 64-bit group key: grouping 55 M lines by
-- three columns took 15 s at 20 M reports); only their lines are compared. A hash collision only sends a key
-- through the comparison, which finds no repeat in it.
faers_repeated_keys as (
    select hash(quarter, primary_id, drug_seq) as key_hash
    from faers_admitted_drug
    group by key_hash
    having count(*) > 1
),
faers_repeated_lines as (
    select d.load_id, d.line_no
    from faers_admitted_drug as d
    semi join faers_repeated_keys as k on k.key_hash = hash(d.quarter, d.primary_id, d.drug_seq)
    qualify d.line_no > min(d.line_no) over (partition by d.quarter, d.primary_id, d.drug_seq)
),
faers_rows as (
    select
        c.case_id,
        try_cast(d.drug_seq as bigint) as drug_seq,
        upper(trim(d.role_cod)) as role,
        d.drugname as drug_name_reported,
        d.prod_ai as prod_ai_reported,
        upper(trim(d.route)) as route,
        upper(trim(d.dechal)) as dechal,
        upper(trim(d.rechal)) as rechal,
        th.therapy_start_date,
        true as map_drugs
    from {{ case_report }} as c
    inner join raw_drug as d on d.quarter = c.quarter and try_cast(d.primaryid as bigint) = c.primary_id
    left join therapy as th
        on th.quarter = d.quarter and th.primary_id = c.primary_id and th.drug_seq = try_cast(d.drug_seq as bigint)
    anti join quarantined_row as q on q.table_name = 'raw_drug' and q.load_id = d.load_id and q.line_no = d.line_no
    anti join faers_repeated_lines as r on r.load_id = d.load_id and r.line_no = d.line_no
),
csv_distinct as (
    select
        r.source_name || ':' || trim(r.report_id) as case_id,
        coalesce(upper(trim(r.role)), 'PS') as role,
        trim(r.drug) as drug_name_reported,
        r.map_drugs
    from {{ raw_report_csv }} as r
    -- one row per report and drug: the strongest role wins (PS > SS > I > C: an interacting drug is a suspect)
    qualify row_number() over (
        partition by r.source_name, trim(r.report_id), upper(trim(r.drug))
        order by list_position(['PS', 'SS', 'I', 'C'], coalesce(upper(trim(r.role)), 'PS')), r.line_no
    ) = 1
),
csv_rows as (
    select
        case_id,
        row_number() over (partition by case_id order by drug_name_reported) as drug_seq,
        role, drug_name_reported, null::varchar as prod_ai_reported, null::varchar as route,
        null::varchar as dechal, null::varchar as rechal, null::date as therapy_start_date, map_drugs
    from csv_distinct
),
icsr_rows as (
    select
        c.case_id,
        d.drug_seq,
        case trim(d.characterization)
            when '1' then (case when row_number() over (partition by c.case_id, trim(d.characterization) = '1'
                                                        order by d.drug_seq) = 1 then 'PS' else 'SS' end)
            when '2' then 'C' when '3' then 'I' end as role,
        d.medicinal_product as drug_name_reported,
        d.active_substances as prod_ai_reported,
        upper(trim(d.route)) as route,
        null::varchar as dechal,
        null::varchar as rechal,
        icsr_date(d.start_date) as therapy_start_date,
        true as map_drugs
    from {{ case_report }} as c
    inner join {{ raw_icsr_drug }} as d on d.load_id = c.load_id and d.record_no = c.record_no
    where c.source in ('openfda', 'e2b') and trim(d.characterization) is distinct from '4'
),
drugs as (
    select * from faers_rows
    union all
    select * from csv_rows
    union all
    select * from icsr_rows
),
-- the text work (regular expressions, look-ups) once per distinct name, not once per row
name_map as (
    select
        names.drug_name_reported,
        coalesce(clean_drug_name(names.drug_name_reported), clean_drug_name(names.paren)) as drug_name_clean,
        syn.ingredient as synonym_ingredient,
        coalesce(paren.ingredient, clean_drug_name(names.paren)) as parenthetical_ingredient
    from (
        select drug_name_reported, regexp_extract(drug_name_reported, '\(([^)]*)\)', 1) as paren
        from (select distinct drug_name_reported from drugs)
    ) as names
    left join drug_synonym as syn on syn.name = clean_drug_name(names.drug_name_reported)
    left join drug_synonym as paren on paren.name = clean_drug_name(names.paren)
),
prod_ai_map as (
    select prod_ai_reported, nullif(upper(trim(regexp_replace(prod_ai_reported, '\s+', ' ', 'g'))), '') as prod_ai
    from (select distinct prod_ai_reported from drugs where prod_ai_reported is not null)
),
looked_up as (
    select drugs.*, m.drug_name_clean, m.synonym_ingredient, m.parenthetical_ingredient, p.prod_ai
    from drugs
    left join name_map as m on m.drug_name_reported is not distinct from drugs.drug_name_reported
    left join prod_ai_map as p on p.prod_ai_reported = drugs.prod_ai_reported
),
-- the ingredient each drug is coded to, and how
coded as (
    select
        case_id,
        drug_seq,
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
        rechal,
        therapy_start_date
    from looked_up
)
-- a combination's active substances (FAERS prod_ai 'HYDROCHLOROTHIAZIDE\LISINOPRIL', openFDA/E2B the same) count
-- for each of its ingredients: one row per ingredient, the product's other columns repeated
select * exclude (ingredient, parts), trim(unnest(parts)) as ingredient
from (
    select *, case when ingredient_source = 'prod_ai' and contains(ingredient, '\')
                   then list_filter(string_split(ingredient, '\'), lambda x: trim(x) <> '') else [ingredient] end as parts
    from coded
);
