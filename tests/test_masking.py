"""Masking (Maignen et al. 2014): how much another drug's reports hide a pair of a drug of interest."""

from __future__ import annotations

import duckdb
import pytest
from conftest import demo_row, drug_row, reac_row, write_quarter

from pv import runs
from pv.config import PvConfig
from pv.ingest import ingest_path

PML = "Progressive multifocal leukoencephalopathy"


def _quarter(path, groups):
    """groups: (count, drugs, pt); every case gets its own age so that none is a probable duplicate."""
    demo, drug, reac, caseid = [], [], [], 100
    for count, drugs, pt in groups:
        for _ in range(count):
            caseid += 1
            pid = caseid * 10 + 1
            demo.append(demo_row(pid, caseid, 1, "20190115", age=str(caseid - 100)))
            drug += [drug_row(pid, caseid, k + 1, "PS" if k == 0 else "SS", name) for k, name in enumerate(drugs)]
            reac.append(reac_row(pid, caseid, pt))
    return write_quarter(path, "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac})


def test_masking_ratio_is_worked_out_by_hand(tmp_path):
    """N = 100. (ALEMTUZUMAB, PML): a = 4 of 10 alemtuzumab reports, 29 PML reports: PRR = 0.4 / (25/90) = 1.44.
    Without the 31 natalizumab reports (one of them also alemtuzumab's): a' = 3 of 9, 8 PML reports among 69:
    PRR' = (3/9) / (5/60) = 4, a masking ratio of 4 / 1.44 = 2.78. Removing aspirin's 60 reports lowers the PRR
    (0.6): aspirin does not mask it."""
    path = _quarter(tmp_path / "faers_ascii_2019q1.zip", [
        (3, ["LEMTRADA"], PML), (1, ["LEMTRADA", "TYSABRI"], PML), (6, ["LEMTRADA"], "Nausea"),
        (20, ["TYSABRI"], PML), (10, ["TYSABRI"], "Headache"), (5, ["ASPIRIN"], PML), (55, ["ASPIRIN"], "Nausea"),
    ])
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    ingest_path(con, path)
    run_id = runs.run_in_process(con, PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["prr"]))
    rows = con.execute("select masking_drug, a, a_unmasked, prr, prr_unmasked, masking_ratio from signal_masking "
                       "where run_id = $r and level = 'pt' and event = 'PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY'",
                       {"r": run_id}).fetchall()
    assert len(rows) == 1
    drug, a, a_unmasked, prr, prr_unmasked, ratio = rows[0]
    assert (drug, a, a_unmasked) == ("NATALIZUMAB", 4, 3)
    assert prr == pytest.approx(1.44) and prr_unmasked == pytest.approx(4.0) and ratio == pytest.approx(4.0 / 1.44)


def _score(con, **scope):
    from pv.config import Scope
    from pv.signals import ScoreSettings, score

    run = score(con, ScoreSettings(levels=("pt",), scope=Scope(**scope).model_dump())).run_id
    return {r[0]: r[1:] for r in con.execute(
        "select drug, a, b, c, d, prr from drug_event_score where run_id = $r and level = 'pt' "
        "and event = 'PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY'", {"r": run}).fetchall()}


def test_unmasking_and_backgrounds_are_scopes_of_the_run(tmp_path):
    """The same hand-built reports: leaving natalizumab's reports out gives the PRR the masking ratio promised (4);
    a background of the MS drugs compares alemtuzumab with natalizumab's reports only."""
    path = _quarter(tmp_path / "faers_ascii_2019q1.zip", [
        (3, ["LEMTRADA"], PML), (1, ["LEMTRADA", "TYSABRI"], PML), (6, ["LEMTRADA"], "Nausea"),
        (20, ["TYSABRI"], PML), (10, ["TYSABRI"], "Headache"), (5, ["ASPIRIN"], PML), (55, ["ASPIRIN"], "Nausea"),
    ])
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    ingest_path(con, path)
    from pv import standardize

    standardize.build(con)
    assert _score(con)["ALEMTUZUMAB"] == (4, 6, 25, 65, pytest.approx(1.44))
    unmasked = _score(con, exclude_drugs=["NATALIZUMAB"])
    assert unmasked["ALEMTUZUMAB"] == (3, 6, 5, 55, pytest.approx(4.0)) and "NATALIZUMAB" not in unmasked
    # within the MS drugs' reports (40): alemtuzumab 4 of 10 with PML, the other 30 reports 20 with PML
    ms = _score(con, background_drugs=["ALEMTUZUMAB", "NATALIZUMAB"])
    assert ms["ALEMTUZUMAB"] == (4, 6, 20, 10, pytest.approx(0.4 / (20 / 30)))
    assert "ASPIRIN" not in ms
    recorded = con.execute("select parameters from score_run order by run_id desc limit 1").fetchone()[0]
    assert "NATALIZUMAB" in recorded and "background_drugs" in recorded
