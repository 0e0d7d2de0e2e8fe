-- The run's signals: the pairs of its scoring run that meet any of the configured criteria.
-- params: run_id, score_run_id, criteria
insert into signal
select
    $run_id as run_id, level, drug, event, a, b, c, d, expected, prr, prr_lower, prr_upper, ror, ror_lower,
    ror_upper, chi2_yates, ic, ic025, ic975, ebgm, eb05, eb95, criteria_met
from drug_event_score
where run_id = $score_run_id and len(list_intersect(criteria_met, $criteria)) > 0;
