-- The most frequent offending values of critical failures held in quarantine.
select check_name, offending_values, count(*) as n
from quarantine
where stage = 'validate' and released_at is null
group by check_name, offending_values
order by n desc
limit 25;
