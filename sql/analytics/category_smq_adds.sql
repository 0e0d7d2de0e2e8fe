-- What each SMQ of the category file pulls into its subcategory beyond the rest of the definition (explicit PTs,
-- HLTs, HLGTs), with the MedDRA version that added the term to the SMQ (to spot what a new version brings in).
-- One row per subcategory x SMQ line x PT. Inputs: category_expansion, meddra_smq_pt.
-- params: version
with smq_line as (
    select * from category_expansion where kind = 'smq'
),
other as (
    select category, subcategory, scope, pt_match_key(term) as k from category_expansion
    where kind in ('pt', 'hlt', 'hlgt')
)
select s.category, s.subcategory, s.scope, s.name as smq, s.term, max(m.term_addition_version) as added_in,
       max(m.term_addition_version) = $version as is_new_in_version
from smq_line as s
left join meddra_smq_pt as m on m.pt_code = s.pt_code and (pt_match_key(m.smq_name) = pt_match_key(s.name)
                                                          or m.smq_code::varchar = s.name)
anti join other as o on o.category = s.category and o.subcategory = s.subcategory and o.scope = s.scope
    and o.k = pt_match_key(s.term)
group by all
order by s.category, s.subcategory, s.scope, s.name, s.term;
