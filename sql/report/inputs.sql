-- The input files behind the data: every load still in force, with its SHA-256.
select source_path, source_sha256, format, quarter, finished_at
from ingest_log where status = 'loaded' order by quarter nulls last, load_id;
