-- drug_event_masking: for each pair (drug d, event e) of the drugs of interest with a >= $min_a, the drugs m that
-- mask it most: the masking ratio of m (Maignen et al., Pharmacoepidemiol Drug Saf 2014) is the PRR of (d, e)
-- once every report with m is removed, over the PRR on all reports. Removing m's reports changes every cell:
--   a' = a - n(d,m,e)   n(d)' = n(d) - n(d,m)   n(e)' = n(e) - n(m,e)   N' = N - n(m)
--   PRR' = (a' / n(d)') / ((n(e)' - a') / (N' - n(d)'))
-- Grain: one row per (level, drug, event, masking drug), the $top drugs with the largest ratio above 1 per pair.
-- Inputs: the run's analysis universe (analysis_exposure_key, analysis_event_key, analysis_drug,
-- analysis_level_event) and drug_event_counts.
-- params: drugs, min_a, top
create or replace table drug_event_masking as
with interest as (
    select x.case_key, x.drug_id
    from analysis_exposure_key as x inner join analysis_drug as d using (drug_id)
    where list_contains($drugs, d.drug)
),
pair as (
    select dd.drug_id, e.event_id, c.level, c.drug, c.event, c.a, c.n_drug, c.n_event, c.n_total
    from drug_event_counts as c
    inner join analysis_drug as dd on dd.drug = c.drug
    inner join analysis_level_event as e on e.level = c.level and e.event = c.event
    where list_contains($drugs, c.drug) and c.a >= $min_a
),
-- reports with d and m; with d, m and e
with_other as (
    select i.drug_id, o.drug_id as masking_id, i.case_key
    from interest as i inner join analysis_exposure_key as o on o.case_key = i.case_key and o.drug_id <> i.drug_id
),
n_dm as (select drug_id, masking_id, count(*) as n from with_other group by all),
n_dme as (
    select w.drug_id, w.masking_id, ev.event_id, count(*) as n
    from with_other as w inner join analysis_event_key as ev using (case_key)
    semi join pair as p on p.drug_id = w.drug_id and p.event_id = ev.event_id
    group by all
),
-- every other drug reported with the pair's event: n(m, e) and n(m)
candidate as (
    select p.*, m.drug as masking_drug, dm.drug_id as masking_id, m.a as n_me, m.n_drug as n_m
    from pair as p
    inner join drug_event_counts as m on m.level = p.level and m.event = p.event and m.drug <> p.drug
    inner join analysis_drug as dm on dm.drug = m.drug
),
removed as (
    select c.*, c.a - coalesce(t.n, 0) as a_unmasked, c.n_drug - coalesce(dm.n, 0) as n_drug_unmasked,
           c.n_event - c.n_me as n_event_unmasked, c.n_total - c.n_m as n_total_unmasked
    from candidate as c
    left join n_dm as dm on dm.drug_id = c.drug_id and dm.masking_id = c.masking_id
    left join n_dme as t on t.drug_id = c.drug_id and t.masking_id = c.masking_id and t.event_id = c.event_id
),
ratio as (
    select *,
        (a::double / n_drug) / ((n_event - a)::double / (n_total - n_drug)) as prr,
        case when a_unmasked > 0 and n_drug_unmasked > 0 and n_event_unmasked - a_unmasked > 0 then
            (a_unmasked::double / n_drug_unmasked)
            / ((n_event_unmasked - a_unmasked)::double / (n_total_unmasked - n_drug_unmasked)) end as prr_unmasked
    from removed
    where n_event > a
)
select level, drug, event, masking_drug, n_me as n_masking_event, n_m as n_masking_drug,
       a, a_unmasked, prr, prr_unmasked, prr_unmasked / prr as masking_ratio
from ratio
where prr_unmasked > prr
qualify row_number() over (partition by level, drug, event order by prr_unmasked / prr desc, masking_drug) <= $top
order by level, drug, event, masking_ratio desc;
