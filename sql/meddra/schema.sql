-- MedDRA reference data, one release per version side by side (the raw layer of the terminology: MSSO's column
-- names, no interpretation). meddra_release: one row per loaded version. The other tables: one row per line of
-- the release file they are named after, keyed by (version, the file's own key).
create table if not exists meddra_release (
    version      varchar primary key,      -- '27.1', from meddra_release.asc
    language     varchar,
    source_path  varchar,                  -- the folder or zip it was read from
    sha256       varchar,                  -- of the files read, in name order
    loaded_at    timestamp not null,
    loaded_by    varchar,
    n_llt        bigint,
    n_pt         bigint,
    n_smq        bigint
);
create table if not exists meddra_llt (
    version varchar not null, llt_code integer not null, llt_name varchar, pt_code integer, llt_currency varchar
);
create table if not exists meddra_pt (
    version varchar not null, pt_code integer not null, pt_name varchar, pt_soc_code integer
);
create table if not exists meddra_hlt (version varchar not null, hlt_code integer not null, hlt_name varchar);
create table if not exists meddra_hlt_pt (version varchar not null, hlt_code integer not null, pt_code integer not null);
create table if not exists meddra_hlgt (version varchar not null, hlgt_code integer not null, hlgt_name varchar);
create table if not exists meddra_hlgt_hlt (version varchar not null, hlgt_code integer not null, hlt_code integer not null);
create table if not exists meddra_soc (
    version varchar not null, soc_code integer not null, soc_name varchar, soc_abbrev varchar
);
create table if not exists meddra_soc_hlgt (version varchar not null, soc_code integer not null, hlgt_code integer not null);
create table if not exists meddra_mdhier (
    version varchar not null, pt_code integer not null, hlt_code integer not null, hlgt_code integer not null,
    soc_code integer not null, pt_name varchar, hlt_name varchar, hlgt_name varchar, soc_name varchar,
    soc_abbrev varchar, pt_soc_code integer, primary_soc_fg varchar          -- 'Y' on the PT's primary path
);
create table if not exists meddra_smq_list (
    version varchar not null, smq_code integer not null, smq_name varchar, smq_level integer,
    smq_description varchar, smq_source varchar, smq_note varchar, meddra_version varchar,
    status varchar,                                                          -- A active | I inactive
    smq_algorithm varchar                                                    -- N, or the algorithm of an algorithmic SMQ
);
create table if not exists meddra_smq_content (
    version varchar not null, smq_code integer not null, term_code integer not null,
    term_level integer,                        -- 0 a sub-SMQ, 4 a PT, 5 an LLT
    term_scope integer,                        -- 2 narrow, 1 broad, 0 for a sub-SMQ
    term_category varchar,                     -- A (narrow), B, C ... in an algorithmic SMQ
    term_weight integer, term_status varchar,  -- A active | I inactive
    term_addition_version varchar, term_last_modified_version varchar
);
