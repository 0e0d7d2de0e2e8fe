-- Every case (after case_signature is updated) with a touched fingerprint: its duplicate group is regrouped
-- whole. Their old case_duplicate rows and those of the scoped cases are replaced.
create or replace temp table scope_signature as
select s.* from case_signature as s
semi join touched_fingerprint as t on t.drug_set = s.drug_set and t.pt_set = s.pt_set;

create or replace temp table scope_duplicate_case as
select case_id from scope_signature
union
select case_id from scope_case;
