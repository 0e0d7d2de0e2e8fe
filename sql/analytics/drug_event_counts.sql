-- drug_event_counts: one row per (level, drug, event) reported together at least once (a >= 1), with the
-- 2x2 cells over unique de-duplicated reports. Levels (those scored): 'pt' (MedDRA PT); 'subcategory' and
-- 'category' (from event_category_term; a category counts its subcategories' narrow or only definitions); and,
-- with MedDRA loaded, 'hlt', 'hlgt', 'soc', 'smq_narrow', 'smq_broad' (from meddra_pt_level). A report counts once
-- per event at each level however many of its PTs fall in it.
-- The report universe (N): cases with at least one drug in the chosen roles and at least one PT (not in
-- excluded_pt), after removing the non-retained members of probable-duplicate groups when $collapse_duplicates.
-- Margins are exact even though pairs with a = 0 are not materialized.
-- expected_stratified: sum over strata s (case_stratum: age band x sex x report year) of n1.s * n.1s / N_s, when
-- the run is stratified (pair_expected_stratified, computed by pv.signals.stratified); null otherwise.
-- Cases, drugs and terms are numbered first (analysis_universe.sql: analysis_case, analysis_drug,
-- analysis_exposure_key, analysis_pt_key; pt_level_event.sql: analysis_pt_level_event; analysis_events.sql:
-- analysis_level_event, analysis_event_key), so that the large joins and groupings run on integers: at every
-- level the cost is that of the (case, event) rows, not of their text.
-- Counting is one reduction of additive parts, on one node as on a cluster: shard_parts.sql computes, for a set of
-- whole cases, every number that sums over disjoint sets of cases (a, the margins, N, the per-stratum counts);
-- count_totals.sql sums the parts of every shard by key (one shard on one node, shard_inputs.sql; many on a
-- Dask cluster, pv.signals.sharded) and this file computes b, c, d once.
-- Inputs: total_pair, all_part_drug, all_part_event, all_part_total, pair_expected_stratified, analysis_drug,
-- analysis_level_event.
create or replace table drug_event_counts as
with n_total as (select sum(n_total)::bigint as n_total from all_part_total),
drug_margin as (select drug_id, sum(n_drug)::bigint as n_drug from all_part_drug group by drug_id),
event_margin as (select event_id, sum(n_event)::bigint as n_event from all_part_event group by event_id)
select
    e.level,
    d.drug,
    e.event,
    p.a,
    dm.n_drug - p.a as b,
    em.n_event - p.a as c,
    nt.n_total - dm.n_drug - em.n_event + p.a as d,
    dm.n_drug,
    em.n_event,
    nt.n_total,
    es.expected_stratified
from total_pair as p
cross join n_total as nt
inner join drug_margin as dm on dm.drug_id = p.drug_id
inner join event_margin as em on em.event_id = p.event_id
inner join analysis_drug as d on d.drug_id = p.drug_id
inner join analysis_level_event as e on e.event_id = p.event_id
left join pair_expected_stratified as es on es.drug_id = p.drug_id and es.event_id = p.event_id
order by e.level, p.drug_id, p.event_id;
