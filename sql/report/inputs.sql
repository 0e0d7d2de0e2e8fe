-- The input files behind the data: every load still in force, with its SHA-256, what it is and whether it is
-- synthetic demonstration data (written by `pv synth`).
select source_path, source_sha256, format, quarter, source_name, coalesce(n_reports, 0) as n_reports,
       coalesce(is_synthetic, false) as is_synthetic, finished_at
from ingest_log where status = 'loaded' order by quarter nulls last, load_id;
