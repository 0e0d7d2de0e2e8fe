-- Masking (signal_masking): for each drug of interest, its signals' strongest masking drugs, and the pairs that
-- are not signals but would have a PRR of 2 or more with at least 3 reports once a masking drug's reports are
-- removed (masked = true). Empty before the table existed.
-- params: run_id, drugs
select m.drug, m.level, m.event, coalesce(l.label, m.event) as event_label, m.masking_drug, m.n_masking_event,
       m.a, m.a_unmasked, m.prr, m.prr_unmasked, m.masking_ratio, s.run_id is null as masked
from signal_masking as m
left join signal as s on s.run_id = m.run_id and s.level = m.level and s.drug = m.drug and s.event = m.event
left join event_label as l on l.level = m.level and l.event = m.event
where m.run_id = $run_id and list_contains($drugs, m.drug)
  and (s.run_id is not null or (m.prr_unmasked >= 2 and m.a_unmasked >= 3 and m.masking_ratio >= 1.5))
order by m.drug, masked desc, m.masking_ratio desc, m.level, m.event, m.masking_drug;
