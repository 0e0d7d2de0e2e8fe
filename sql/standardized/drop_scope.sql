-- The temporary tables of an incremental build (sql/standardized/scope.sql and pv.standardize), dropped at its end.
drop table if exists temp.scope_case;
drop table if exists temp.scope_raw_demo;
drop table if exists temp.scope_raw_outc;
drop table if exists temp.scope_raw_rpsr;
drop table if exists temp.scope_raw_deleted_case;
drop table if exists temp.scope_raw_report_csv;
drop table if exists temp.scope_raw_icsr_report;
drop table if exists temp.new_case_lab;
drop table if exists temp.new_case_indication;
drop table if exists temp.new_case_report;
drop table if exists temp.new_case_drug;
drop table if exists temp.new_case_event;
drop table if exists temp.new_case_signature;
drop table if exists temp.touched_fingerprint;
drop table if exists temp.scope_signature;
drop table if exists temp.scope_duplicate_case;
drop table if exists temp.new_case_duplicate;
