-- Validation batch for the standardized case_event: the events of the cases whose latest version came from the
-- given quarters (all when $quarters is null).
-- params: quarters
select e.case_id, e.pt, e.match_method
from case_event as e
where $quarters is null
   or e.case_id in (select case_id from case_report where list_contains($quarters, quarter))
order by e.case_id, e.pt;
