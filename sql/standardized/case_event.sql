-- case_event: one row per case and MedDRA preferred term. Each reported term is coded with meddra_term (the LLT
-- names of the current MedDRA version, matched on pt_match_key: case, spacing, apostrophes, hyphens and
-- British/American spelling ignored): pt is the PT's name in upper case, so a non-current LLT or a former PT
-- counts as its PT. A term MedDRA does not know keeps its normalized text (match_method 'unmatched'); without
-- MedDRA loaded every term does (match_method 'text'). pt_reported keeps the delivered spelling, the first seen
-- when a case reports the same PT twice (with its LLT and match method).
-- match_method: pt (the text is a PT name) | llt (a current LLT) | llt_noncurrent | llt_code (the term is an
-- LLT code, as safety databases and E2B send them) | unmatched | text.
-- openFDA and E2B(R2) reactions are PT names; E2B(R3) reactions are LLT codes, coded through the user's MedDRA
-- (without it they keep their code as text: match_method 'text', counted under the code).
-- Inputs: {{ case_report }} (the cases to build), raw_reac, {{ raw_report_csv }}, {{ raw_icsr_reaction }},
-- quarantined_row, meddra_term.
with faers_events as (
    select c.case_id, r.pt as pt_reported, upper(trim(r.drug_rec_act)) as drug_rec_act, r.line_no
    from {{ case_report }} as c
    inner join raw_reac as r on r.quarter = c.quarter and try_cast(r.primaryid as bigint) = c.primary_id
    anti join quarantined_row as q on q.table_name = 'raw_reac' and q.load_id = r.load_id and q.line_no = r.line_no
),
csv_events as (
    select r.source_name || ':' || trim(r.report_id) as case_id, trim(r.event) as pt_reported,
           null::varchar as drug_rec_act, r.line_no
    from {{ raw_report_csv }} as r
),
icsr_events as (
    select c.case_id, r.term as pt_reported, null::varchar as drug_rec_act, r.reaction_seq as line_no
    from {{ case_report }} as c
    inner join {{ raw_icsr_reaction }} as r on r.load_id = c.load_id and r.record_no = c.record_no
    where c.source in ('openfda', 'e2b')
),
events as (
    select * from faers_events
    union all
    select * from csv_events
    union all
    select * from icsr_events
),
has_meddra as (select count(*) > 0 as loaded from meddra_term),
-- code each distinct spelling once (materialized: else the optimizer may apply the text functions row by row)
coded as materialized (
    select s.pt_reported, coalesce(upper(t.pt_name), normalize_pt(s.pt_reported)) as pt, t.llt_code, t.pt_code,
           t.version as meddra_version,
           case when t.llt_code is null then (case when (select loaded from has_meddra) then 'unmatched' else 'text' end)
                when t.matched_on = 'code' then 'llt_code'
                when t.llt_code = t.pt_code then 'pt'
                when t.llt_currency = 'Y' then 'llt'
                else 'llt_noncurrent' end as match_method
    from (select distinct pt_reported from events where pt_reported is not null) as s
    left join meddra_term as t on t.match_key = pt_match_key(s.pt_reported)
),
coded_events as (
    select e.case_id, m.pt, e.pt_reported, e.drug_rec_act, e.line_no, m.llt_code, m.pt_code, m.meddra_version,
           m.match_method
    from events as e
    inner join coded as m on m.pt_reported = e.pt_reported
    where m.pt is not null
),
-- (case, PT) pairs given on more than one line, found by a hash of the pair (one 64-bit key): a pair seen once
-- is kept as it is, and only the lines of the repeated hashes are grouped by (case, PT). Grouping every line by
-- its strings with arg_min took 47 s of a 55 s build at 20 M reports. A hash collision only sends a pair
-- through the grouping, which gives it the same row.
repeated_pairs as (
    select hash(case_id, pt) as pair_hash from coded_events group by pair_hash having count(*) > 1
)
select case_id, pt, pt_reported, drug_rec_act, llt_code, pt_code, meddra_version, match_method
from coded_events as e
anti join repeated_pairs as r on r.pair_hash = hash(e.case_id, e.pt)
union all
select case_id, pt, first.pt_reported, drug_rec_act, first.llt_code, pt_code, meddra_version, first.match_method
from (
    -- the first line of each (case, PT) gives its reported spelling, LLT and match method together (one arg_min of
    -- a struct: they describe one line, and the grouping holds one copy of the ordering key); drug_rec_act is the
    -- first one given
    select e.case_id, e.pt,
           arg_min({'pt_reported': e.pt_reported, 'llt_code': e.llt_code, 'match_method': e.match_method},
                   e.line_no) as first,
           arg_min(e.drug_rec_act, e.line_no) as drug_rec_act,
           any_value(e.pt_code) as pt_code, any_value(e.meddra_version) as meddra_version
    from coded_events as e
    semi join repeated_pairs as r on r.pair_hash = hash(e.case_id, e.pt)
    group by e.case_id, e.pt
);
