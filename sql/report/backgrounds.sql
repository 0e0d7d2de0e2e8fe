-- Named backgrounds side by side (signal_run_background): for each drug of interest and each background the run
-- scored, every pair that is a signal of the run (signal) or meets the run's $criteria in the background's own
-- run, with the figures of both. A pair the background's run did not score (no report of it falls there) has
-- empty background columns. Empty before the table existed or when no background is configured.
-- params: run_id, drugs, criteria
with background as (
    select b.background, b.description, b.definition, b.score_run_id, r.n_reports
    from signal_run_background as b
    inner join score_run as r on r.run_id = b.score_run_id
    where b.run_id = $run_id
),
main as (
    select s.*, g.run_id is not null as is_signal
    from drug_event_score as s
    left join signal as g on g.run_id = $run_id and g.level = s.level and g.drug = s.drug and g.event = s.event
    where s.run_id = (select score_run_id from signal_run where run_id = $run_id) and list_contains($drugs, s.drug)
),
restricted as (
    select b.background, s.*, list_has_any(s.criteria_met, $criteria) as is_signal
    from drug_event_score as s
    inner join background as b on b.score_run_id = s.run_id
    where list_contains($drugs, s.drug)
),
pairs as (
    select b.background, m.level, m.drug, m.event from main as m cross join background as b where m.is_signal
    union
    select background, level, drug, event from restricted where is_signal
)
select p.drug, p.background, b.description, b.n_reports as background_n_reports, p.level, p.event,
       coalesce(l.label, p.event) as event_label,
       m.a, m.expected, m.prr, m.eb05, coalesce(m.is_signal, false) as is_signal,
       r.a as background_a, r.expected as background_expected, r.prr as background_prr, r.eb05 as background_eb05,
       coalesce(r.is_signal, false) as background_is_signal
from pairs as p
inner join background as b using (background)
left join main as m using (level, drug, event)
left join restricted as r using (background, level, drug, event)
left join event_label as l on l.level = p.level and l.event = p.event
order by p.drug, p.background, list_position(['category', 'subcategory', 'pt', 'smq_narrow', 'smq_broad', 'hlt', 'hlgt', 'soc'], p.level),
         coalesce(m.eb05, 0) desc, p.event;
