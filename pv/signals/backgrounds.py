"""Named backgrounds (``[backgrounds.NAME]`` in pv.toml): comparison populations of their own, each scored as a
separate run beside the main one, so a report can set the full and the restricted results side by side.

An intra-class background (reports of any MS disease-modifying therapy) asks whether a drug's excess holds
against drugs given to the same patients; an indication-restricted one (reports of a drug given for multiple
sclerosis) whether it holds against the same disease. A signal that vanishes there may be confounded by
indication or be a class effect; one that holds is not explained by who gets the drug (Grundmark et al., Eur J
Clin Pharmacol 2014; EMA, Guideline on the use of statistical signal detection methods in EudraVigilance, 2008).
Each background's run has the main run's settings (roles, duplicates, levels, categories, criteria, the other
``[scope]`` filters) and its own MGPS prior, fitted on its own table.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import duckdb
import pyarrow as pa

from pv import db
from pv.config import PvConfig
from pv.errors import PvError


def score_backgrounds(con: duckdb.DuckDBPyConnection, run_id: int, cfg: PvConfig,
                      progress: Callable[[str], None] | None = None) -> list[dict]:
    """Score every named background of ``cfg`` as a run of its own and link each to signal run ``run_id``
    (``signal_run_background``). A background without any report is recorded with its reason, not scored, and
    does not stop the run. Returns the rows recorded."""
    from pv.signals import ScoreSettings, score

    say = progress or (lambda _m: None)
    rows = []
    for name, background in cfg.backgrounds.items():
        say(f"scoring background {name}")
        row = {"background": name, "score_run_id": None, "description": background.description,
               "definition": json.dumps({"drugs": background.drugs, "indications": background.indications}),
               "message": None}
        try:
            row["score_run_id"] = score(con, ScoreSettings.from_config(cfg, name)).run_id
        except PvError as exc:
            if "No drug-event pair to score" not in str(exc):
                raise
            row["message"] = ("no report falls in this background: check its drugs (active ingredients) and "
                              "indications against the data")
        rows.append(row)
    db.replace_run_rows(con, "signal_run_background", run_id, pa.Table.from_pylist(rows) if rows else None)
    return rows


def run_backgrounds(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict]:
    """The backgrounds signal run ``run_id`` scored: name, its score run, N (None when no report fell in it) and
    the reason it was not scored."""
    if not db.table_exists(con, "signal_run_background"):
        return []
    return con.sql("select b.background, b.score_run_id, r.n_reports, b.message from signal_run_background as b "
                   "left join score_run as r on r.run_id = b.score_run_id where b.run_id = $id order by b.background",
                   params={"id": run_id}).to_arrow_table().to_pylist()
