-- Rows a steward re-admitted, with who and why.
select quarantine_id, table_name, source_file, line_no, check_name, released_at, released_by, release_reason
from quarantine
where released_at is not null
order by released_at desc
limit 200;
