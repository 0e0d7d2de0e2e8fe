"""Prefect flows that orchestrate pv's library functions (no SQL or statistics here)."""
