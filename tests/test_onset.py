"""Time to onset: days from therapy start to event, its summary and the Weibull shape parameter test."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from conftest import demo_row, drug_row, reac_row, write_quarter
from scipy.stats import weibull_min

from pv import runs
from pv.config import PvConfig
from pv.ingest import ingest_path
from pv.stats.onset import onset_summary, weibull_shape_test

THER_HEADER = "primaryid$caseid$dsg_drug_seq$start_dt$end_dt$dur$dur_cod"


@pytest.mark.parametrize(("shape", "hazard"), [(0.5, "decreasing"), (1.0, "constant"), (2.5, "increasing")])
def test_weibull_fit_is_the_maximum_likelihood_and_reads_the_hazard(shape, hazard):
    days = weibull_min.rvs(shape, scale=120, size=600, random_state=np.random.default_rng(3))
    fit = weibull_shape_test(days)
    k_ref, _, scale_ref = weibull_min.fit(days, floc=0)
    assert fit["shape"] == pytest.approx(k_ref, rel=1e-5) and fit["scale"] == pytest.approx(scale_ref, rel=1e-5)
    # Wald interval on log k: the asymptotic variance of k-hat is about 0.608 k^2 / n (Weibull MLE)
    assert np.log(fit["shape_upper"] / fit["shape"]) == pytest.approx(1.96 * np.sqrt(0.608 / 600), rel=0.1)
    assert fit["shape_lower"] < shape < fit["shape_upper"] and fit["hazard"] == hazard


def test_weibull_edge_cases():
    assert weibull_shape_test([3, 4])["hazard"] is None                      # too few to fit
    assert weibull_shape_test([5, 5, 5, 5])["hazard"] is None                # all equal: no finite optimum
    same_day = weibull_shape_test([0, 0, 0, 1, 2, 30, 200])                 # day 0 counts as half a day
    assert np.isfinite(same_day["shape"]) and same_day["hazard"] == "decreasing"


def test_onset_summary_counts_and_leaves_out_negative_times():
    import pandas as pd

    cases = pd.DataFrame({"drug": ["A"] * 6 + ["B"], "onset_days": [1, 2, 3, 10, -5, -1, 7]})
    out = onset_summary(cases, ["drug"]).set_index("drug")
    assert out.loc["A", ["n", "n_negative", "median_days", "q1_days", "q3_days"]].tolist() == [4, 2, 2.5, 1.75, 4.75]
    assert out.loc["B", "n"] == 1 and pd.isna(out.loc["B", "hazard"]) and pd.isna(out.loc["B", "shape"])


def test_run_computes_each_signals_time_to_onset(tmp_path):
    """Four alemtuzumab cases of Basedow's disease: therapy started 2, 0, 300 and -31 days (event before therapy:
    left out) before the event; one case without a therapy start. Other drugs' cases make the background."""
    demo, drug, reac, ther = [], [], [], []
    for cid, start, event_dt in ((1, "20190101", "20190103"), (2, "20190105", "20190105"), (3, "20180309", "20190103"),
                                 (4, "20190201", "20190101"), (5, None, "20190110")):
        pid = cid * 10 + 1
        demo.append(demo_row(pid, cid, 1, "20190215", event_dt=event_dt, age=str(30 + cid)))
        drug.append(drug_row(pid, cid, 1, "PS", "LEMTRADA"))
        reac.append(reac_row(pid, cid, "Basedow's disease"))
        if start:
            ther.append(f"{pid}${cid}$1${start}$$$$")
    for cid in range(10, 40):
        pid = cid * 10 + 1
        demo.append(demo_row(pid, cid, 1, "20190215", age=str(cid)))
        drug.append(drug_row(pid, cid, 1, "PS", "ASPIRIN"))
        reac.append(reac_row(pid, cid, "Nausea"))
    write_quarter(tmp_path / "faers_ascii_2019q1.zip", "2019Q1", {"DEMO": demo, "DRUG": drug, "REAC": reac,
                                                                 "THER": ther}, headers={"THER": THER_HEADER})
    con = duckdb.connect(str(tmp_path / "pv.duckdb"))
    ingest_path(con, tmp_path / "faers_ascii_2019q1.zip")
    run_id = runs.run_in_process(con, PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["prr"]))
    row = con.execute("select n, n_negative, median_days, q1_days, q3_days, shape from signal_onset "
                      "where run_id = $r and level = 'pt' and drug = 'ALEMTUZUMAB' and event = 'BASEDOW''S DISEASE'",
                      {"r": run_id}).fetchone()
    assert row[:5] == (3, 1, 2.0, 1.0, 151.0)
    assert row[5] == pytest.approx(weibull_shape_test([2, 0, 300])["shape"])
    days = dict(con.execute("select case_id, onset_days from case_time_to_onset where level = 'pt'").fetchall())
    assert days == {"1": 2, "2": 0, "3": 300, "4": -31}
