-- Append one run's scores (Arrow view incoming_scores) to drug_event_score.
-- params: run_id
insert into drug_event_score by name
select incoming_scores.*, $run_id as run_id from incoming_scores;
