-- meddra_pt_level: for each PT code of MedDRA $version, the events it belongs to at the hierarchy and SMQ levels.
-- Grain: one row per (level, pt_code, event). hlt / hlgt / soc follow the PT's primary SOC path (mdhier
-- primary_soc_fg = 'Y'), or every path when $all_soc_paths (a multi-axial PT then counts in each SOC it sits
-- in). smq_narrow: the SMQs listing the PT in narrow scope; smq_broad: in either scope (broad includes narrow).
-- Event names are MedDRA's names. Inputs: meddra_mdhier, meddra_smq_pt.
-- params: version, all_soc_paths
create or replace temp table meddra_pt_level as
with path as (
    select * from meddra_mdhier where version = $version and ($all_soc_paths or primary_soc_fg = 'Y')
)
select distinct 'hlt' as level, pt_code, hlt_name as event from path
union all
select distinct 'hlgt', pt_code, hlgt_name from path
union all
select distinct 'soc', pt_code, soc_name from path
union all
select distinct 'smq_narrow', pt_code, smq_name from meddra_smq_pt where scope = 'narrow'
union all
select distinct 'smq_broad', pt_code, smq_name from meddra_smq_pt;
