-- Signal runs and their results. A run (pv run / the nightly flow) ingests new data, standardizes, scores and
-- records the pairs that meet the configured criteria.
create sequence if not exists signal_run_id_seq start 1;

-- One row per run: when, what it saw, how it ended, and with which configuration and software.
create table if not exists signal_run (
    run_id              integer primary key,
    started_at          timestamp not null,
    finished_at         timestamp,
    status              varchar not null,        -- running | completed | failed
    error               varchar,
    data_cutoff_quarter varchar,                 -- latest quarter loaded
    data_cutoff_date    date,                    -- latest FDA receipt date in the standardized layer
    config              varchar,                 -- JSON: the configuration used
    software_version    varchar,
    git_commit          varchar,
    row_counts          varchar,                 -- JSON: rows per table and layer
    score_run_id        integer,
    n_signals           bigint,
    n_new               bigint,
    n_no_longer_met     bigint
);
alter table signal_run add column if not exists step_seconds varchar;   -- JSON: seconds per flow step

-- One row per run and signal: a drug x event (PT, subcategory or category) meeting the configured criteria.
create table if not exists signal (
    run_id integer not null,
    level varchar not null,
    drug varchar not null,
    event varchar not null,
    a bigint, b bigint, c bigint, d bigint, expected double,
    prr double, prr_lower double, prr_upper double, ror double, ror_lower double, ror_upper double,
    chi2_yates double, ic double, ic025 double, ic975 double, ebgm double, eb05 double, eb95 double,
    criteria_met varchar[]
);

-- Time to signal: statistics recomputed cumulatively at each quarter end, for the drugs of interest.
create table if not exists signal_by_quarter (
    run_id integer not null,
    level varchar not null,
    drug varchar not null,
    event varchar not null,
    quarter varchar not null,                    -- the data as it stood at the end of this quarter (pv.signals.asof)
    a bigint, b bigint, c bigint, d bigint, expected double,
    prr double, prr_lower double, prr_upper double, ror double, ror_lower double, ror_upper double,
    chi2_yates double, ic double, ic025 double, ic975 double, ebgm double, eb05 double, eb95 double,
    criteria_met varchar[],
    is_signal boolean                            -- meets the run's configured signal criteria
);

-- The MGPS prior each level used at each quarter end of the time to signal (fitted on the data as it stood then;
-- at the last quarter, the run's own).
create table if not exists signal_by_quarter_prior (
    run_id integer not null,
    quarter varchar not null,
    level varchar not null,
    n_reports bigint,                            -- N at that quarter end
    alpha1 double, beta1 double, alpha2 double, beta2 double, p double,
    nll double,                                  -- exact -log L on that quarter's pairs
    n_pairs bigint,
    n_agreeing integer,                          -- starts that reached the best likelihood
    source varchar                               -- how it was obtained: fitted (and from which start), reused
                                                 -- from an earlier run, borrowed, not fitted (and what was used)
);

-- Subgroups: the same statistics within each sex and age band, for the drugs of interest.
create table if not exists signal_subgroup (
    run_id integer not null,
    level varchar not null,
    drug varchar not null,
    event varchar not null,
    subgroup_kind varchar not null,              -- sex | age_band
    subgroup varchar not null,
    a bigint, b bigint, c bigint, d bigint, expected double,
    prr double, prr_lower double, prr_upper double, ror double, ror_lower double, ror_upper double,
    chi2_yates double, ic double, ic025 double, ic975 double, ebgm double, eb05 double, eb95 double,
    criteria_met varchar[],
    is_signal boolean
);

-- What decides which pairs are signals (pv.signals.history), and what of it changed since the previous completed
-- run (null: nothing, or no previous run): statuses across a method change compare runs made differently.
alter table signal_run add column if not exists method varchar;            -- JSON
alter table signal_run add column if not exists method_changes varchar;    -- e.g. 'scoring.stratified, meddra_version'
alter table signal_run add column if not exists n_re_emerged bigint;

-- Heterogeneity between subgroups: for each pair of the drugs of interest and each kind of subgroup (sex, age band;
-- 'unknown' left out), Woolf's test that the subgroups' RORs are one (pv.stats.heterogeneity).
create table if not exists signal_subgroup_heterogeneity (
    run_id integer not null,
    level varchar not null,
    drug varchar not null,
    event varchar not null,
    subgroup_kind varchar not null,              -- sex | age_band
    n_subgroups integer,                         -- informative subgroups (drug and event both reported in it)
    q double, df integer, p_value double,
    is_heterogeneous boolean                     -- p < 0.05
);

-- Time to onset of the drugs of interest's pairs (pv.stats.onset): days from therapy start to event onset over
-- the cases giving both dates, and the Weibull shape parameter test (Cornelius et al. 2012).
create table if not exists signal_onset (
    run_id integer not null,
    level varchar not null,
    drug varchar not null,
    event varchar not null,
    n bigint,                                    -- cases with both dates and onset on or after therapy start
    n_negative bigint,                           -- cases whose event date precedes therapy start (left out)
    median_days double, q1_days double, q3_days double,
    shape double, shape_lower double, shape_upper double,   -- Weibull shape k and its 95 % interval
    scale double,                                -- Weibull scale, days
    hazard varchar                               -- decreasing (k < 1) | increasing (k > 1) | constant | null
);

-- The latest run's dated cases of the drugs of interest (sql/analytics/case_time_to_onset.sql replaces it).
create table if not exists case_time_to_onset (
    level varchar, drug varchar, event varchar, case_id varchar, therapy_start_date date, event_date date,
    onset_days bigint
);

-- Masking (Maignen et al. 2014): for the drugs of interest's pairs, the drugs whose reports mask them most. The
-- masking ratio is the PRR once every report with the masking drug is removed, over the PRR on all reports
-- (sql/analytics/drug_event_masking.sql).
create table if not exists signal_masking (
    run_id integer not null,
    level varchar not null,
    drug varchar not null,
    event varchar not null,
    masking_drug varchar not null,
    n_masking_event bigint,                      -- reports with the masking drug and the event
    n_masking_drug bigint,                       -- reports with the masking drug
    a bigint, a_unmasked bigint,
    prr double, prr_unmasked double,
    masking_ratio double
);

-- The named backgrounds a run scored beside its main population ([backgrounds.NAME]): each is a score run of its
-- own (score_run.background), with the run's settings and its scope restricted as the definition says.
create table if not exists signal_run_background (
    run_id integer not null,
    background varchar not null,
    score_run_id integer,                         -- null when no report falls in the background (message)
    description varchar,
    definition varchar,                           -- JSON: drugs, indications
    message varchar
);

-- The run's signals that the reference safety information (labels in pv.toml) already names: labelled events
-- (sql/analytics/signal_label.sql). A signal without a row here is unlabelled.
create table if not exists signal_label (
    run_id integer not null,
    level varchar not null,
    drug varchar not null,
    event varchar not null,
    label_source varchar,
    label_date varchar
);

-- The assessment store's mirror (pv.signals.assessments: written in SQLite beside the database, copied here by
-- each run and by `pv assess` when no run holds the database): the current state and the append-only audit.
create table if not exists signal_assessment (
    level varchar, drug varchar, event varchar, status varchar, assessor varchar, status_date varchar,
    rationale varchar, evidence varchar, next_review_date varchar, updated_at varchar
);
create table if not exists signal_assessment_audit (
    change_id bigint, level varchar, drug varchar, event varchar, field varchar, old_value varchar,
    new_value varchar, changed_by varchar, changed_at varchar, run_id bigint, a bigint, eb05 double
);
