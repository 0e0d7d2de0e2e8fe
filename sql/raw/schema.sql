-- Raw layer: FDA's quarterly files as delivered, one table per file type.
-- Grain: one row per delivered data line (after re-joining lines broken by an embedded newline).
-- Both eras share one schema under FAERS's column names; legacy AERS names are mapped on load
-- (isr -> primaryid, case -> caseid, gndr_cod -> sex, i_f_cod -> i_f_code, drug_seq -> dsg_drug_seq /
-- indi_drug_seq, lot_nbr -> lot_num, outc_code -> outc_cod); AERS-only columns are kept as they are.
-- Every value is text exactly as delivered (empty field -> null); the standardized layer casts.
-- Lineage on every row: load_id (-> ingest_log), quarter, source_file (member path), source_sha256 (of the
-- delivered zip or file), line_no (physical line in source_file, header = line 1), and extra_fields (JSON
-- of any column this schema does not know, so nothing delivered is lost).

create sequence if not exists load_id_seq start 1;
create sequence if not exists quarantine_id_seq start 1;

create table if not exists ingest_log (
    load_id         integer primary key,
    source_path     varchar not null,      -- the zip, folder or CSV file given to `pv ingest`
    source_sha256   varchar not null,      -- of the zip / CSV; of the sorted member hashes for a folder
    format          varchar not null,      -- faers_ascii | aers_ascii | report_csv
    quarter         varchar,               -- 2017Q2; null for report CSVs
    status          varchar not null,      -- loaded | superseded (a re-issued file replaced it)
    n_demo bigint, n_drug bigint, n_reac bigint, n_outc bigint, n_ther bigint, n_indi bigint,
    n_rpsr bigint, n_deleted bigint, n_report_rows bigint,
    n_quarantined   bigint not null default 0,
    n_rejoined      bigint not null default 0,   -- lines re-joined after an embedded newline
    n_latin1_lines  bigint not null default 0,   -- lines decoded as Windows-1252/latin-1, not UTF-8
    seconds         double,
    started_at      timestamp not null,
    finished_at     timestamp,
    superseded_by   integer,
    message         varchar
);

create table if not exists quarantine (
    quarantine_id   bigint primary key default nextval('quarantine_id_seq'),
    load_id         integer not null,
    quarter         varchar,
    table_name      varchar not null,     -- raw table the row was meant for
    source_file     varchar not null,
    line_no         bigint,
    raw_text        varchar,
    reason          varchar not null,
    check_name      varchar not null,     -- parse.field_count, parse.key_not_numeric, csv.required_value, ...
    created_at      timestamp not null default current_timestamp,
    released_at     timestamp,
    released_by     varchar,
    release_reason  varchar
);

create table if not exists raw_demo (
    primaryid varchar, caseid varchar, caseversion varchar, i_f_code varchar, event_dt varchar,
    mfr_dt varchar, init_fda_dt varchar, fda_dt varchar, rept_cod varchar, auth_num varchar,
    mfr_num varchar, mfr_sndr varchar, lit_ref varchar, age varchar, age_cod varchar, age_grp varchar,
    sex varchar, e_sub varchar, wt varchar, wt_cod varchar, rept_dt varchar, to_mfr varchar,
    occp_cod varchar, reporter_country varchar, occr_country varchar,
    -- legacy AERS only
    foll_seq varchar, image varchar, death_dt varchar, confid varchar,
    extra_fields varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

create table if not exists raw_drug (
    primaryid varchar, caseid varchar, drug_seq varchar, role_cod varchar, drugname varchar,
    prod_ai varchar, val_vbm varchar, route varchar, dose_vbm varchar, cum_dose_chr varchar,
    cum_dose_unit varchar, dechal varchar, rechal varchar, lot_num varchar, exp_dt varchar,
    nda_num varchar, dose_amt varchar, dose_unit varchar, dose_form varchar, dose_freq varchar,
    extra_fields varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

create table if not exists raw_reac (
    primaryid varchar, caseid varchar, pt varchar, drug_rec_act varchar,
    extra_fields varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

create table if not exists raw_outc (
    primaryid varchar, caseid varchar, outc_cod varchar,
    extra_fields varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

create table if not exists raw_ther (
    primaryid varchar, caseid varchar, dsg_drug_seq varchar, start_dt varchar, end_dt varchar,
    dur varchar, dur_cod varchar,
    extra_fields varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

create table if not exists raw_indi (
    primaryid varchar, caseid varchar, indi_drug_seq varchar, indi_pt varchar,
    extra_fields varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

create table if not exists raw_rpsr (
    primaryid varchar, caseid varchar, rpsr_cod varchar,
    extra_fields varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

-- FDA's deleted-case lists (Deleted/DELETEyyQq.txt, from 2019Q1): one caseid a line.
create table if not exists raw_deleted_case (
    caseid varchar, load_id integer, quarter varchar, source_file varchar, source_sha256 varchar,
    line_no bigint
);

-- A plain report-level CSV from another safety database: one row per report x drug x event as delivered.
create table if not exists raw_report_csv (
    source_name varchar,     -- namespace of the report ids (`--source`, default: csv)
    report_id varchar, drug varchar, event varchar, sex varchar, age_years varchar, country varchar,
    received_date varchar, role varchar,
    map_drugs boolean,       -- apply FAERS drug-name cleaning in the standardized layer (`--map-drugs`)
    extra_fields varchar, load_id integer, source_file varchar, source_sha256 varchar, line_no bigint
);

-- Validation (pv.validate): the stage a quarantined row was caught at, and the values that broke the rule.
alter table quarantine add column if not exists stage varchar default 'parse';      -- parse | validate
alter table quarantine add column if not exists offending_values varchar;           -- JSON

create sequence if not exists validation_run_id_seq start 1;

-- One row per validation run x batch x expectation (a load is validated when it is ingested; `pv validate`
-- re-runs every suite). result_json keeps GX's full result (index lists cut at 1,000 entries).
create table if not exists validation_result (
    validation_run_id integer not null,
    load_id           integer,             -- null for the standardized layer
    quarter           varchar,
    suite             varchar not null,    -- expectations/<suite>.json
    expectation       varchar not null,    -- type(column)
    severity          varchar not null,    -- critical | warning
    success           boolean not null,
    element_count     bigint,
    unexpected_count  bigint,
    unexpected_percent double,
    sample_values     varchar,             -- JSON list, at most 10
    result_json       varchar,
    created_at        timestamp not null default current_localtimestamp()
);

-- Raw rows held back from the standardized layer: critical validation failures not released by a steward.
create or replace view quarantined_row as
select distinct table_name, load_id, line_no
from quarantine
where stage = 'validate' and released_at is null;

-- Hardening (issue 16): what a load is and what became of it.
alter table ingest_log add column if not exists source_name varchar;     -- report CSVs: the namespace of report ids
alter table ingest_log add column if not exists n_reports bigint;        -- distinct reports (DEMO rows; CSV report ids)
alter table ingest_log add column if not exists is_synthetic boolean default false;  -- written by `pv synth`
alter table ingest_log add column if not exists warnings varchar;        -- JSON list of sentences (missing columns ...)
alter table ingest_log add column if not exists unloaded_at timestamp;   -- status 'unloaded': removed by `pv unload`
alter table ingest_log add column if not exists unloaded_by varchar;
alter table ingest_log add column if not exists unload_reason varchar;

-- The database's identity: made once, when the database is first written, and recorded in every report's manifest
-- (two databases of the same name are never confused).
create table if not exists pv_database (database_id varchar not null, created_at timestamp not null);
insert into pv_database
select cast(uuid() as varchar), current_localtimestamp() where not exists (select 1 from pv_database);

-- n_reports of loads made before the column existed: a quarter's DEMO rows, a CSV's distinct report ids.
update ingest_log set n_reports = n_demo where n_reports is null and n_demo is not null;
update ingest_log set n_reports = (
    select count(distinct trim(r.report_id)) from raw_report_csv as r where r.load_id = ingest_log.load_id)
where n_reports is null and format = 'report_csv';
