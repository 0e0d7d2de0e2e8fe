-- Each name of the category file checked against MedDRA $version: one row per (kind, name) with whether it is a
-- current term of its kind (PT, HLT, HLGT, SMQ by name or code) and, for a PT name that is only an LLT, the PT
-- it belongs to. Inputs: incoming_definitions, meddra_pt, meddra_llt, meddra_hlt, meddra_hlgt, meddra_smq_list.
-- params: version
with names as (
    select distinct case kind when 'exclude_pt' then 'pt' else kind end as kind, name, pt_match_key(name) as name_key
    from incoming_definitions
),
pt as (select pt_match_key(pt_name) as k from meddra_pt where version = $version),
llt as (
    select pt_match_key(l.llt_name) as k, any_value(p.pt_name) as pt_name, any_value(l.llt_currency) as currency
    from meddra_llt as l inner join meddra_pt as p on p.version = l.version and p.pt_code = l.pt_code
    where l.version = $version and l.llt_code <> l.pt_code
    group by 1
),
hlt as (select pt_match_key(hlt_name) as k from meddra_hlt where version = $version),
hlgt as (select pt_match_key(hlgt_name) as k from meddra_hlgt where version = $version),
smq as (
    select pt_match_key(smq_name) as k, smq_code::varchar as code from meddra_smq_list
    where version = $version and status = 'A'
)
select n.kind, n.name,
    case n.kind
        when 'pt' then n.name_key in (select k from pt)
        when 'hlt' then n.name_key in (select k from hlt)
        when 'hlgt' then n.name_key in (select k from hlgt)
        when 'smq' then n.name_key in (select k from smq) or n.name in (select code from smq)
    end as is_current,
    l.pt_name as llt_of_pt, l.currency as llt_currency
from names as n
left join llt as l on n.kind = 'pt' and l.k = n.name_key
order by n.kind, n.name;
