"""Named backgrounds ([backgrounds.NAME]): intra-class and indication-restricted comparison populations, each
scored as a run of its own and set beside the main results in the report."""

from __future__ import annotations

import csv

import duckdb
import pytest
from conftest import demo_row, drug_row, reac_row, write_quarter

from pv import runs, standardize
from pv.config import PvConfig, Scope, from_table
from pv.errors import PvError
from pv.ingest import ingest_path
from pv.signals import ScoreSettings, score

PML = "Progressive multifocal leukoencephalopathy"
INDI_HEADER = "primaryid$caseid$indi_drug_seq$indi_pt"


def _quarter(path, groups):
    """groups: (count, [(drug, indication)], pt); every case gets its own age so that none is a probable
    duplicate. The indication goes to the INDI file against the drug's sequence number."""
    demo, drug, reac, indi, caseid = [], [], [], [], 100
    for count, drugs, pt in groups:
        for _ in range(count):
            caseid += 1
            pid = caseid * 10 + 1
            demo.append(demo_row(pid, caseid, 1, "20190115", age=str(caseid % 90 + 1), country=str(caseid)))
            for k, (name, indication) in enumerate(drugs):
                drug.append(drug_row(pid, caseid, k + 1, "PS" if k == 0 else "SS", name))
                if indication:
                    indi.append(f"{pid}${caseid}${k + 1}${indication}$")
            reac.append(reac_row(pid, caseid, pt))
    return write_quarter(path, "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac, "INDI": indi},
                         headers={"INDI": INDI_HEADER})


# N = 240. Alemtuzumab: 10 reports for MS, 4 with PML. Natalizumab: 30 reports for MS (spelled two ways), 20 with
# PML. Aspirin: 200 reports for pain, 2 with PML.
# All reports: a = 4, b = 6, c = 22, d = 208: PRR = (4/10) / (22/230) = 4.18, chi2 (Yates) 6.31: an Evans signal.
# The MS reports (40): a = 4, b = 6, c = 20, d = 10: PRR = 0.4 / (20/30) = 0.6: no signal. Natalizumab's PML
# is a disease-area effect; against the same patients alemtuzumab's excess is gone.
GROUPS = [
    (4, [("LEMTRADA", "Relapsing-remitting multiple sclerosis")], PML),
    (6, [("LEMTRADA", "Relapsing-remitting multiple sclerosis")], "Nausea"),
    (15, [("TYSABRI", "MULTIPLE SCLEROSIS")], PML), (5, [("TYSABRI", "multiple  sclerosis")], PML),
    (10, [("TYSABRI", "Multiple sclerosis")], "Headache"),
    (2, [("ASPIRIN", "Pain")], PML), (198, [("ASPIRIN", "Pain")], "Nausea"),
]
MS_TERMS = ["Multiple sclerosis", "Relapsing-remitting multiple sclerosis"]


@pytest.fixture
def loaded(tmp_path):
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    ingest_path(con, _quarter(tmp_path / "faers_ascii_2019q1.zip", GROUPS))
    standardize.build(con)
    return con


def _pml(con, run_id):
    return {r[0]: r[1:] for r in con.execute(
        "select drug, a, b, c, d, prr from drug_event_score where run_id = $r and level = 'pt' "
        "and event = 'PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY'", {"r": run_id}).fetchall()}


def test_indications_are_standardized_per_drug_and_matched_as_events_are(loaded):
    rows = loaded.execute("select indication, count(*) from case_indication group by 1 order by 1").fetchall()
    # 'MULTIPLE SCLEROSIS', 'multiple  sclerosis' and 'Multiple sclerosis' are one normalized text
    assert rows == [("MULTIPLE SCLEROSIS", 30), ("PAIN", 200), ("RELAPSING-REMITTING MULTIPLE SCLEROSIS", 10)]
    run = score(loaded, ScoreSettings(levels=("pt",), scope=Scope(background_indications=MS_TERMS).model_dump()))
    assert run.n_reports == 40
    assert _pml(loaded, run.run_id)["ALEMTUZUMAB"] == (4, 6, 20, 10, pytest.approx(0.6))
    # one of the two terms only: natalizumab's reports
    only_ms = score(loaded, ScoreSettings(levels=("pt",), scope=Scope(background_indications=["multiple sclerosis"])
                                          .model_dump()))
    assert only_ms.n_reports == 30 and "ALEMTUZUMAB" not in _pml(loaded, only_ms.run_id)


def test_a_nightly_run_scores_each_named_background_as_a_run_of_its_own(loaded, tmp_path):
    cfg = from_table({
        "drugs_of_interest": ["ALEMTUZUMAB"], "signal_criteria": ["evans"], "levels": ["pt"],
        "report_formats": ["csv"],
        "backgrounds": {"ms_dmt": {"description": "MS disease-modifying therapies",
                                   "drugs": ["alemtuzumab", "Natalizumab"]},
                        "ms_indication": {"indications": MS_TERMS},
                        "nobody": {"indications": ["Not an indication anyone reported"]}},
    }, "test")
    run_id = runs.run_in_process(loaded, cfg)
    linked = loaded.execute("select b.background, r.background, r.n_reports, b.message is null "
                            "from signal_run_background as b left join score_run as r on r.run_id = b.score_run_id "
                            "where b.run_id = $r order by 1", {"r": run_id}).fetchall()
    assert linked == [("ms_dmt", "ms_dmt", 40, True), ("ms_indication", "ms_indication", 40, True),
                      ("nobody", None, None, False)]
    main = loaded.execute("select score_run_id from signal_run where run_id = $r", {"r": run_id}).fetchone()[0]
    assert loaded.execute("select background, n_reports from score_run where run_id = $m", {"m": main}).fetchone() \
        == (None, 240)
    assert _pml(loaded, main)["ALEMTUZUMAB"] == (4, 6, 22, 208, pytest.approx(0.4 / (22 / 230)))
    # the analysts' view keeps showing the main population; the backgrounds have their own
    assert loaded.execute("select distinct run_id from drug_event_scores").fetchall() == [(main,)]
    assert loaded.execute("select background, a, prr from drug_event_background_scores where drug = 'ALEMTUZUMAB' "
                          "and event = 'PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY' order by 1").fetchall() == [
        ("ms_dmt", 4, pytest.approx(0.6)), ("ms_indication", 4, pytest.approx(0.6))]
    # the signal is a signal of the run (time to signal, masking and the line listings read its universe)
    assert loaded.execute("select count(*) from signal where run_id = $r and drug = 'ALEMTUZUMAB' and event = "
                          "'PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY'", {"r": run_id}).fetchone()[0] == 1
    assert loaded.execute("select count(*) from analysis_case").fetchone()[0] == 240

    out = runs.write_run_report(loaded, run_id, tmp_path / "report", cfg)
    with open(out / "backgrounds.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["event"] == "PROGRESSIVE MULTIFOCAL LEUKOENCEPHALOPATHY"]
    assert [(r["background"], r["a"], r["is_signal"], r["background_a"], r["background_is_signal"]) for r in rows] \
        == [("ms_dmt", "4", "True", "4", "False"), ("ms_indication", "4", "True", "4", "False")]
    assert float(rows[0]["prr"]) == pytest.approx(4.1818, abs=1e-4)
    assert float(rows[0]["background_prr"]) == pytest.approx(0.6)
    with open(out / "parameters.csv", newline="", encoding="utf-8") as f:
        params = dict(csv.reader(f))
    assert "N = 40" in params["background ms_dmt"] and "ALEMTUZUMAB, NATALIZUMAB" in params["background ms_dmt"]
    assert "no report falls in this background" in params["background nobody"]


def test_backgrounds_are_checked_when_the_configuration_is_read():
    with pytest.raises(PvError, match="background 'empty' needs drugs"):
        from_table({"backgrounds": {"empty": {"description": "nothing"}}}, "pv.toml")
    with pytest.raises(PvError, match="unknown|extra"):
        from_table({"backgrounds": {"x": {"drug": ["A"]}}}, "pv.toml")
    cfg = from_table({"backgrounds": {"ms": {"drugs": ["NATALIZUMAB"]}}}, "pv.toml")
    with pytest.raises(PvError, match="No background named 'dmt' in pv.toml .*known: ms"):
        ScoreSettings.from_config(cfg, "dmt")
    settings = ScoreSettings.from_config(cfg, "ms")
    assert settings.background == "ms" and settings.scope["background_drugs"] == ["NATALIZUMAB"]
    assert ScoreSettings.from_config(PvConfig()).as_dict().get("background") is None
