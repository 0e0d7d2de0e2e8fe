-- The workbench's signal page: one pair of the latest completed run's scoring, whether or not it is a signal, with
-- its 2x2 table and every statistic, its label and its assessment.
-- Inputs: signal_run, drug_event_score, signal, signal_label, signal_assessment.
-- params: level, drug, event
with latest as (select run_id, score_run_id from signal_run where status = 'completed' order by run_id desc limit 1)
select s.level, s.drug, s.event, s.a, s.b, s.c, s.d, s.expected, s.prr, s.prr_lower, s.prr_upper, s.ror,
       s.ror_lower, s.ror_upper, s.chi2_yates, s.ic, s.ic025, s.ic975, s.ebgm, s.eb05, s.eb95,
       array_to_string(s.criteria_met, ', ') as criteria_met, g.run_id is not null as is_signal,
       lb.label_source, x.status, x.assessor, x.status_date, x.rationale, x.evidence, x.next_review_date,
       (select run_id from latest) as run_id
from drug_event_score as s
left join signal as g on g.run_id = (select run_id from latest) and g.level = s.level and g.drug = s.drug
    and g.event = s.event
left join signal_label as lb on lb.run_id = (select run_id from latest) and lb.level = s.level
    and lb.drug = s.drug and lb.event = s.event
left join signal_assessment as x on x.level = s.level and x.drug = s.drug and x.event = s.event
where s.run_id = (select score_run_id from latest) and s.level = $level and s.drug = $drug and s.event = $event;
