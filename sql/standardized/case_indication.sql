-- case_indication: one row per case, drug and indication as reported (FAERS INDI indi_pt; openFDA drugindication;
-- E2B G.k.7.r), for indication-restricted backgrounds. Coded as case_event codes events (meddra_term, matched on
-- pt_match_key): indication is the MedDRA PT in upper case when the text is a PT or LLT name (or an LLT code),
-- else the normalized text; match_method as in case_event. FAERS's placeholders for a missing indication
-- ('Product used for unknown indication', 'Unknown indication') are kept: they match only a list that names them.
-- Report CSVs carry no indication.
-- Key: case_id, drug_seq, indication. Inputs: {{ case_report }} (the cases to build), raw_indi, {{ raw_icsr_drug }},
-- quarantined_row, meddra_term.
with faers_rows as (
    select c.case_id, try_cast(i.indi_drug_seq as bigint) as drug_seq, i.indi_pt as indication_reported,
           i.line_no
    from {{ case_report }} as c
    inner join raw_indi as i on i.quarter = c.quarter and try_cast(i.primaryid as bigint) = c.primary_id
    anti join quarantined_row as q on q.table_name = 'raw_indi' and q.load_id = i.load_id and q.line_no = i.line_no
),
icsr_rows as (
    select c.case_id, d.drug_seq, d.indication as indication_reported, d.drug_seq as line_no
    from {{ case_report }} as c
    inner join {{ raw_icsr_drug }} as d on d.load_id = c.load_id and d.record_no = c.record_no
    where c.source in ('openfda', 'e2b')
),
reported as (
    select * from faers_rows where nullif(trim(indication_reported), '') is not null
    union all
    select * from icsr_rows where nullif(trim(indication_reported), '') is not null
),
has_meddra as (select count(*) > 0 as loaded from meddra_term),
-- each distinct text coded once (materialized: else the optimizer may apply the text functions row by row)
coded as materialized (
    select s.indication_reported, coalesce(upper(t.pt_name), normalize_pt(s.indication_reported)) as indication,
           t.pt_code,
           case when t.llt_code is null then (case when (select loaded from has_meddra) then 'unmatched' else 'text' end)
                when t.matched_on = 'code' then 'llt_code'
                when t.llt_code = t.pt_code then 'pt'
                when t.llt_currency = 'Y' then 'llt'
                else 'llt_noncurrent' end as match_method
    from (select distinct indication_reported from reported) as s
    left join meddra_term as t on t.match_key = pt_match_key(s.indication_reported)
),
coded_rows as (
    select r.case_id, r.drug_seq, m.indication, r.indication_reported, r.line_no, m.pt_code, m.match_method
    from reported as r
    inner join coded as m on m.indication_reported = r.indication_reported
    where m.indication is not null
),
-- (case, drug, indication) keys given on more than one line, found by a hash of the key as in case_event: a key
-- seen once is kept as it is, only the repeated ones are grouped
repeated_keys as (
    select hash(case_id, drug_seq, indication) as key_hash from coded_rows group by key_hash having count(*) > 1
)
select case_id, drug_seq, indication, indication_reported, pt_code, match_method
from coded_rows as r
anti join repeated_keys as k on k.key_hash = hash(r.case_id, r.drug_seq, r.indication)
union all
select case_id, drug_seq, indication, first.indication_reported, pt_code, first.match_method
from (
    -- the first line's text and match method together (one arg_min of a struct: one copy of the ordering key)
    select r.case_id, r.drug_seq, r.indication,
           arg_min({'indication_reported': r.indication_reported, 'match_method': r.match_method}, r.line_no) as first,
           any_value(r.pt_code) as pt_code
    from coded_rows as r
    semi join repeated_keys as k on k.key_hash = hash(r.case_id, r.drug_seq, r.indication)
    group by r.case_id, r.drug_seq, r.indication
);
