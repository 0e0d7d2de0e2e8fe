-- event_category_term: the category file expanded against MedDRA $version. Grain: one row per event x PT, where
-- an event is a subcategory ('autoimmunity / thyroid', or '... (narrow)' and '... (broad)' when it has both
-- definitions; the broad event includes the narrow one's PTs). in_category: the row also counts for its
-- category (the narrow or only definition). Explicit pts resolve through meddra_term (an LLT name gives its
-- PT); hlt and hlgt expand through meddra_mdhier, smq through meddra_smq_pt; exclude_pts are removed last.
-- Without MedDRA ($version null) explicit pts keep their text and nothing else expands.
-- via: how the PT came in (pt, llt NAME, hlt NAME, hlgt NAME, smq NAME (narrow|broad)).
-- category_expansion (temp): every PT each definition line brought in, before exclusions and de-duplication.
-- event_category_keyword: words `pv categories check` looks for.
-- Inputs: the Arrow views incoming_definitions and incoming_keywords; meddra_term, meddra_mdhier, meddra_smq_pt,
-- meddra_pt.
-- params: file_name, file_version, file_sha256, file_path, version
create or replace temp table category_expansion as
with def as (
    select *, pt_match_key(name) as name_key from incoming_definitions
),
pt_rows as (
    select d.*, coalesce(t.pt_name, d.name) as term, t.pt_code,
           case when t.llt_code is null or t.llt_code = t.pt_code then 'pt' else 'llt ' || t.llt_name end as via
    from def as d
    left join meddra_term as t on t.match_key = d.name_key
    where d.kind in ('pt', 'exclude_pt')
),
-- an HLT or HLGT brings every PT under it, on any path (mdhier lists every path of a multi-axial PT)
hierarchy_rows as (
    select distinct d.*, m.pt_name as term, m.pt_code,
           d.kind || ' ' || case d.kind when 'hlt' then m.hlt_name else m.hlgt_name end as via
    from def as d
    inner join meddra_mdhier as m
        on m.version = $version
       and pt_match_key(case d.kind when 'hlt' then m.hlt_name else m.hlgt_name end) = d.name_key
    where d.kind in ('hlt', 'hlgt')
),
smq_rows as (
    select d.*, p.pt_name as term, p.pt_code, 'smq ' || s.smq_name || ' (' || d.smq_scope || ')' as via
    from def as d
    inner join meddra_smq_pt as s
        on (pt_match_key(s.smq_name) = d.name_key or s.smq_code::varchar = d.name)
       and (d.smq_scope = 'broad' or s.scope = 'narrow')
    inner join meddra_pt as p on p.version = $version and p.pt_code = s.pt_code
    where d.kind = 'smq'
),
included as (
    select * from pt_rows
    union all select * from hierarchy_rows
    union all select * from smq_rows
)
select * exclude (name_key) from included;

create or replace table event_category_term as
with included as (
    select * from category_expansion where kind <> 'exclude_pt'
),
kept as (
    select i.* from included as i
    anti join category_expansion as x
        on x.kind = 'exclude_pt' and x.category = i.category and x.subcategory = i.subcategory
       and x.scope = i.scope and pt_match_key(x.term) = pt_match_key(i.term)
),
-- broad includes narrow
scoped as (
    select *, scope as event_scope from kept
    union all
    select *, 'broad' as event_scope from kept where scope = 'narrow'
),
ranked as (
    select *, pt_match_key(term) as match_key,
           row_number() over (partition by category, subcategory, event_scope, pt_match_key(term)
                              order by (scope = event_scope) desc, via) as pick
    from scoped
)
select
    category, category_label, subcategory, subcategory_label, rationale, corresponding_smq, confounded_by_indication,
    event_scope as scope,
    category || ' / ' || subcategory || case when has_scopes then ' (' || event_scope || ')' else '' end as event,
    subcategory_label || case when has_scopes then ' (' || event_scope || ')' else '' end as event_label,
    event_scope in ('all', 'narrow') as in_category,
    term, pt_code, via, match_key,
    $version as meddra_version,
    $file_name as file_name, $file_version as file_version, $file_sha256 as file_sha256, $file_path as file_path
from ranked
where pick = 1
order by category, subcategory, event_scope, term;

create or replace table event_category_keyword as
select category, subcategory, keyword from incoming_keywords;
