-- Loaded quarters with their row and quarantine counts.
select quarter, format, source_path, n_demo, n_drug, n_reac, n_quarantined, n_rejoined, n_latin1_lines,
       round(seconds, 1) as seconds, finished_at
from ingest_log
where status = 'loaded'
order by quarter nulls last, load_id;
