-- Rows held in quarantine (not released), by stage, check and file, with an example.
select stage, check_name, source_file, count(*) as n, min(quarantine_id) as first_id,
       coalesce(any_value(offending_values), any_value(left(raw_text, 120))) as example
from quarantine
where released_at is null
group by stage, check_name, source_file
order by n desc, check_name;
