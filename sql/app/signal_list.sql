-- The workbench's signals list: the latest completed run's signals with their label and assessment, filtered.
-- An empty filter keeps everything. status: the assessment status, 'unassessed' for none. labelled: 'yes' | 'no' |
-- '' (both). new_since: the signals pv first raised in a run started on or after that date.
-- Inputs: signals_latest, signal_history, signal_label, signal_assessment. Grain: one row per signal.
-- params: drug, level, criterion, status, labelled, new_since
with latest as (
    select s.*, h.first_run_at, h.status as history_status
    from signals_latest as s
    left join signal_history as h using (level, drug, event)
),
managed as (
    select l.*, g.run_id is not null as is_labelled, g.label_source, coalesce(x.status, 'unassessed') as status,
           x.assessor, x.status_date
    from latest as l
    left join signal_label as g on g.run_id = l.run_id and g.level = l.level and g.drug = l.drug and g.event = l.event
    left join signal_assessment as x on x.level = l.level and x.drug = l.drug and x.event = l.event
)
select level, drug, event, a, expected, prr, prr_lower, ror_lower, ic025, ebgm, eb05, eb95,
       array_to_string(criteria_met, ', ') as criteria_met, is_labelled, label_source, status, assessor,
       history_status, first_run_at
from managed
where ($drug = '' or drug = upper(trim($drug)))
  and ($level = '' or level = $level)
  and ($criterion = '' or list_contains(criteria_met, $criterion))
  and ($status = '' or status = $status)
  and ($labelled = '' or is_labelled = ($labelled = 'yes'))
  and ($new_since = '' or first_run_at >= try_cast($new_since as date))
order by drug, level, eb05 desc, event;
