-- excluded_pt (temp): the PTs of case_event that scoring drops when $enabled (config exclude_events): those under
-- the SOCs, HLGTs and HLTs named (any path of MedDRA $version) and the PTs named (matched on pt_match_key, so
-- this works without MedDRA too). One row per PT with the cases reporting it. Empty when not $enabled.
-- excluded_pt_key (temp): the match keys of every term the rule drops, for terms not in case_event (time to
-- signal's earlier case versions).
-- Inputs: case_event, meddra_mdhier.
-- params: enabled, version, socs, hlgts, hlts, pts
create or replace temp table excluded_pt_key as
select match_key from (
    select pt_match_key(unnest($pts)) as match_key
    union
    select pt_match_key(pt_name) from meddra_mdhier
    where version = $version and (
        list_contains(list_transform($socs, lambda x: pt_match_key(x)), pt_match_key(soc_name))
        or list_contains(list_transform($hlgts, lambda x: pt_match_key(x)), pt_match_key(hlgt_name))
        or list_contains(list_transform($hlts, lambda x: pt_match_key(x)), pt_match_key(hlt_name)))
)
where $enabled;

create or replace temp table excluded_pt as
with pts as (
    select pt, count(*) as n_cases from case_event group by pt
)
select p.pt, p.n_cases
from pts as p
where pt_match_key(p.pt) in (select match_key from excluded_pt_key);
