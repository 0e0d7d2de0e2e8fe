"""pv: pharmacovigilance signal detection on spontaneous adverse-event reports, in DuckDB.

Layers follow the data: ``pv.ingest`` (raw tables as delivered) -> ``pv.standardize`` (one row per case,
drug, event) -> analytics (counts, scores, signals).
"""

__version__ = "0.1.0"
