-- The run's signals for the chosen drugs, ordered by level, category and strength.
-- params: run_id, drugs
select s.level, drug, s.event, coalesce(l.label, s.event) as event_label, a, b, c, d, expected, prr, prr_lower, prr_upper, ror, ror_lower, ror_upper, chi2_yates,
       ic, ic025, ic975, ebgm, eb05, eb95, array_to_string(criteria_met, ',') as criteria_met
from signal as s
left join event_label as l on l.level = s.level and l.event = s.event
where run_id = $run_id and list_contains($drugs, drug)
order by drug, case s.level when 'category' then 1 when 'subcategory' then 2 else 3 end, s.event;
