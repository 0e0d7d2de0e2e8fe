-- The time-to-signal checkpoint (pv.signals.asof_checkpoint): every pair's 2x2 margins as they stood at the end of
-- one quarter (the second-to-last of the run that kept it), so that the next run counts only the quarters after it.
-- asof_checkpoint: one row: the run that kept it, the quarter (qi and the quarters up to it), what must not have
-- changed for it to hold (the method's SHA-256, the loads then and their quarantine fingerprint), N and the priors
-- in force then. asof_checkpoint_drug / _event: the names, with each one's reports; asof_checkpoint_pair: the pairs
-- with a > 0, by position in those two tables.
create table if not exists asof_checkpoint (
    run_id integer not null,
    qi integer not null,
    quarters varchar[] not null,
    method_sha256 varchar not null,
    load_ids integer[] not null,
    quarantine_fingerprint varchar,
    n_total bigint not null,
    priors varchar not null,                 -- JSON: level -> prior
    created_at timestamp not null default current_timestamp
);

create table if not exists asof_checkpoint_drug (
    drug_pos integer not null,
    drug varchar not null,
    n bigint not null
);

create table if not exists asof_checkpoint_event (
    event_pos integer not null,
    level varchar not null,
    event varchar not null,
    n bigint not null
);

create table if not exists asof_checkpoint_pair (
    drug_pos integer not null,
    event_pos integer not null,
    a bigint not null
);
