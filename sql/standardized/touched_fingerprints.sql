-- The (drug set, PT set) fingerprints a new load touched: those the scoped cases had before this build and
-- those they have now. Run before case_signature is updated.
create or replace temp table touched_fingerprint as
select drug_set, pt_set from case_signature where case_id in (select case_id from scope_case)
union
select drug_set, pt_set from new_case_signature;
