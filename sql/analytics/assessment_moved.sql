-- The refuted or closed signals of run $run_id whose statistics moved materially since that status was recorded
-- (pv.signals.assessments.reopen_moved): EB05 at least $eb05_ratio times, or a at least $a_ratio times, the
-- baseline. The baseline is the a and EB05 recorded with the status change; a change recorded without them (the
-- database was busy) takes the pair's statistics in the first run completed after it.
-- Inputs: assessed_baseline (registered: level, drug, event, status, run_id, a, eb05, changed_at), signal_run,
-- drug_event_score, signal.
-- params: run_id, eb05_ratio, a_ratio
with first_later as (
    select b.level, b.drug, b.event, min(r.run_id) as later_run_id
    from assessed_baseline as b
    inner join signal_run as r
        on r.status in ('completed', 'reporting') and r.started_at::timestamptz >= b.changed_at::timestamptz
    where b.a is null
    group by all
),
later_stats as (
    select f.level, f.drug, f.event, s.a, s.eb05
    from first_later as f
    inner join signal_run as r on r.run_id = f.later_run_id
    inner join drug_event_score as s
        on s.run_id = r.score_run_id and s.level = f.level and s.drug = f.drug and s.event = f.event
),
baseline as (
    select b.level, b.drug, b.event, b.status, coalesce(b.a, l.a) as base_a, coalesce(b.eb05, l.eb05) as base_eb05
    from assessed_baseline as b
    left join later_stats as l using (level, drug, event)
)
select bl.level, bl.drug, bl.event, bl.status, bl.base_a, bl.base_eb05, s.a, s.eb05
from baseline as bl
inner join signal as s on s.run_id = $run_id and s.level = bl.level and s.drug = bl.drug and s.event = bl.event
where bl.base_a is not null
  and (s.eb05 >= $eb05_ratio * bl.base_eb05 or s.a >= $a_ratio * bl.base_a)
order by bl.drug, bl.level, bl.event;
