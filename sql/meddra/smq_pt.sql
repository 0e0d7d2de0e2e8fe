-- meddra_smq_pt: one row per active SMQ x PT of MedDRA $version, with the term's scope: 'narrow' (term_scope 2)
-- or 'broad' (term_scope 1; the broad search is narrow + broad). A hierarchical SMQ holds the terms of its
-- sub-SMQs (term_level 0), recursively; an LLT term (level 5) counts as its PT; only active terms (status A).
-- Algorithmic SMQs (smq_algorithm <> 'N') are taken by their narrow and broad term lists: the algorithm that
-- combines categories B, C ... is not applied (stated in the report's methods).
-- Inputs: meddra_smq_list, meddra_smq_content, meddra_llt.
-- params: version
create or replace temp table meddra_smq_pt as
with recursive smq_tree (root_code, smq_code) as (
    select smq_code, smq_code from meddra_smq_list where version = $version and status = 'A'
    union all
    select t.root_code, c.term_code
    from smq_tree as t
    inner join meddra_smq_content as c
        on c.version = $version and c.smq_code = t.smq_code and c.term_level = 0 and c.term_status = 'A'
),
term as (
    select t.root_code, c.term_scope, c.term_category, c.term_addition_version,
           case c.term_level when 4 then c.term_code else l.pt_code end as pt_code
    from smq_tree as t
    inner join meddra_smq_content as c
        on c.version = $version and c.smq_code = t.smq_code and c.term_level in (4, 5) and c.term_status = 'A'
    left join meddra_llt as l on c.term_level = 5 and l.version = $version and l.llt_code = c.term_code
)
select s.smq_code, s.smq_name, s.smq_algorithm, t.pt_code,
       case when max(t.term_scope) = 2 then 'narrow' else 'broad' end as scope,
       min(t.term_category) as term_category, max(t.term_addition_version) as term_addition_version
from term as t
inner join meddra_smq_list as s on s.version = $version and s.smq_code = t.root_code
where t.pt_code is not null
group by all;
