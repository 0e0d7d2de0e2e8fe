"""Ingestion: delivered files -> raw tables (``sql/raw/schema.sql``), with lineage, quarantine and a log."""

from pv.ingest.faers import IngestResult, ingest_path
from pv.ingest.report_csv import ingest_report_csv

__all__ = ["IngestResult", "ingest_path", "ingest_report_csv"]
