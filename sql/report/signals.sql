-- The run's signals for the chosen drugs, ordered by level, category and strength, with signal management: whether
-- the reference safety information names the event (signal_label) and the signal's assessment (signal_assessment,
-- as mirrored when the run ended). needs_validation: unlabelled and not assessed yet (or reopened: status new).
-- params: run_id, drugs
select s.level, s.drug, s.event, coalesce(l.label, s.event) as event_label, s.a, s.b, s.c, s.d, s.expected,
       s.prr, s.prr_lower, s.prr_upper, s.ror, s.ror_lower, s.ror_upper, s.chi2_yates,
       s.ic, s.ic025, s.ic975, s.ebgm, s.eb05, s.eb95, array_to_string(s.criteria_met, ',') as criteria_met,
       g.run_id is not null as is_labelled, g.label_source,
       x.status as assessment_status, x.assessor, x.status_date as assessment_date, x.rationale as assessment_rationale,
       x.next_review_date,
       g.run_id is null and coalesce(x.status, 'new') = 'new' as needs_validation
from signal as s
left join event_label as l on l.level = s.level and l.event = s.event
left join signal_label as g on g.run_id = s.run_id and g.level = s.level and g.drug = s.drug and g.event = s.event
left join signal_assessment as x on x.level = s.level and x.drug = s.drug and x.event = s.event
where s.run_id = $run_id and list_contains($drugs, s.drug)
order by s.drug, case s.level when 'category' then 1 when 'subcategory' then 2 else 3 end, s.event;
