-- Validation batch for the standardized case_event.
select case_id, pt from case_event order by case_id, pt;
