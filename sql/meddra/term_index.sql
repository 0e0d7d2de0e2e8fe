-- meddra_term: the look-up reported event terms are coded with, from MedDRA $version. One row per match key:
-- * pt_match_key of an LLT name (every PT is also an LLT, with llt_code = pt_code); when two LLTs share a key
--   (spelling variants), the PT itself wins, then a current LLT, then the lowest code;
-- * an LLT's code as text (safety databases and E2B send codes: '10027940'), matched_on = 'code'.
-- With the LLT and its PT. Empty when $version is null. Inputs: meddra_llt, meddra_pt.
-- params: version
create or replace temp table meddra_term as
with llt as (
    select l.llt_code, l.llt_name, l.llt_currency, l.pt_code, p.pt_name, l.version
    from meddra_llt as l
    inner join meddra_pt as p on p.version = l.version and p.pt_code = l.pt_code
    where l.version = $version
),
by_name as (
    select pt_match_key(llt_name) as match_key, *, 'name' as matched_on,
           row_number() over (partition by pt_match_key(llt_name)
                              order by (llt_code = pt_code) desc, (llt_currency = 'Y') desc, llt_code) as pick
    from llt
)
select match_key, llt_code, llt_name, llt_currency, pt_code, pt_name, version, matched_on
from by_name
where pick = 1
union all
select llt_code::varchar, llt_code, llt_name, llt_currency, pt_code, pt_name, version, 'code' from llt;
