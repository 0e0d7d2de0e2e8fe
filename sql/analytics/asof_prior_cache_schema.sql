-- asof_prior_cache: the MGPS priors time to signal fitted at earlier quarter ends, keyed by a digest of the
-- table each was fitted on (pv.signals.asof.table_digest). A prior no run has used for 60 days is dropped.
create table if not exists asof_prior_cache (
    digest varchar primary key,
    prior varchar not null,                     -- JSON of pv.stats.mgps.MGPSPrior
    last_used_at timestamp not null
);
