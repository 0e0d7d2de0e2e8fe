"""The levels a drug x event pair is scored at: one definition for SQL parameters, Python, config and docs
(``drug_event_scores.level``). The MedDRA levels need a loaded MedDRA release (see :mod:`pv.meddra`)."""

CATEGORY_LEVELS = ("pt", "subcategory", "category")
MEDDRA_LEVELS = ("hlt", "hlgt", "soc", "smq_narrow", "smq_broad")
LEVELS = (*CATEGORY_LEVELS, *MEDDRA_LEVELS)
