-- Scores: one row per scoring run (score_run) and one row per run x level x drug x event (drug_event_score).
-- The views drug_event_scores and drug_event_background_scores (at the end) show the latest completed runs.
create sequence if not exists score_run_id_seq start 1;

create table if not exists score_run (
    run_id            integer primary key,
    started_at        timestamp not null,
    finished_at       timestamp,
    status            varchar not null,        -- completed | failed
    parameters        varchar,                 -- JSON: roles, duplicates, stratification, criteria, ...
    category_file     varchar,
    category_version  varchar,
    category_sha256   varchar,
    mgps_priors       varchar,                 -- JSON: fitted prior and diagnostics per level
    n_reports         bigint,                  -- N, the report universe
    n_pairs           bigint,
    seconds           double,
    message           varchar
);

create table if not exists drug_event_score (
    run_id integer not null,
    level varchar not null,                    -- pt | subcategory | category | hlt | hlgt | soc | smq_narrow | smq_broad
    drug varchar not null,
    event varchar not null,
    a bigint, b bigint, c bigint, d bigint,
    n bigint,
    expected double,
    expected_stratified double,
    prr double, prr_lower double, prr_upper double,
    ror double, ror_lower double, ror_upper double,
    chi2_yates double,
    ic double, ic025 double, ic975 double,
    ebgm double, eb05 double, eb95 double,
    ic_bcpnn double, ic025_bcpnn double,
    meets_evans boolean, meets_ror025 boolean, meets_ic025 boolean, meets_eb05 boolean,
    criteria_met varchar[]
);

-- the MedDRA version events were coded and levels expanded with (null: none loaded, text matching), and the
-- non-clinical terms left out (JSON: enabled, file, PTs and case-event rows dropped)
alter table score_run add column if not exists meddra_version varchar;
alter table score_run add column if not exists exclusions varchar;

-- The category file as it was expanded for each run: one row per run x event x PT (see event_category_term).
create table if not exists score_run_category_term (
    run_id integer not null,
    category varchar, subcategory varchar, scope varchar, event varchar, event_label varchar, in_category boolean,
    term varchar, pt_code integer, via varchar, meddra_version varchar,
    corresponding_smq varchar, confounded_by_indication varchar
);

-- ror025 judges ror_lower_judged: ror_lower, or for a table with a zero cell the Haldane-corrected limit
-- (is_haldane); pv.stats.disproportionality.ror_lower_judged
alter table drug_event_score add column if not exists ror_lower_judged double;
alter table drug_event_score add column if not exists is_haldane boolean;

-- background: the named background ([backgrounds.NAME]) a run was restricted to; null for the main population.
-- drug_event_scores shows the latest main run; drug_event_background_scores the latest run of each background.
alter table score_run add column if not exists background varchar;

create or replace view drug_event_scores as
select * exclude (run_id), run_id
from drug_event_score
where run_id = (select max(run_id) from score_run where status = 'completed' and background is null);

create or replace view drug_event_background_scores as
select r.background, s.* exclude (run_id), s.run_id
from drug_event_score as s
inner join score_run as r using (run_id)
where r.run_id in (select max(run_id) from score_run where status = 'completed' and background is not null
                   group by background);
