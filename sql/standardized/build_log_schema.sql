-- standardize_build: one row per build of the standardized layer: what it was built from, so that the next build
-- knows whether it may update only the cases that new loads touched (incremental) or must rebuild everything.
create sequence if not exists standardize_build_id_seq start 1;

create table if not exists standardize_build (
    build_id               integer primary key default nextval('standardize_build_id_seq'),
    built_at               timestamp not null default current_localtimestamp(),
    mode                   varchar not null,   -- full | incremental | current (nothing new: nothing rebuilt)
    reason                 varchar,            -- why this mode: first build, a load replaced, --full, ...
    load_ids               integer[] not null, -- the loads in force, all of them reflected in the layer
    quarantine_fingerprint varchar not null,   -- of the rows held back from those loads
    seed_sha256            varchar not null,   -- sql/seeds/drug_synonym.csv
    models_sha256          varchar not null,   -- the SQL of sql/standardized/
    n_cases_rebuilt        bigint,
    seconds                double
);
-- the MedDRA release the events were coded with (null: none loaded, terms kept as text)
alter table standardize_build add column if not exists meddra_version varchar;
alter table standardize_build add column if not exists meddra_sha256 varchar;
