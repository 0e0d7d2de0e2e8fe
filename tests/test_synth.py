"""The synthetic FAERS generator: FDA's layout, determinism, and the structure later stages rely on."""

from __future__ import annotations

import zipfile

import pytest

from pv import standardize, synth
from pv.ingest import ingest_path


@pytest.fixture(scope="module")
def quarters(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    return synth.write_quarters(out, reports=12_000, quarters=4, start="2018Q4", seed=7)


def test_layout_is_fdas(quarters):
    assert [p.name for p in quarters] == ["faers_ascii_2018q4.zip", "faers_ascii_2019q1.zip",
                                          "faers_ascii_2019q2.zip", "faers_ascii_2019q3.zip"]
    with zipfile.ZipFile(quarters[1]) as zf:
        names = sorted(zf.namelist())
        demo = zf.read("ASCII/DEMO19Q1.txt").decode().splitlines()
    assert names == ["ASCII/DEMO19Q1.txt", "ASCII/DRUG19Q1.txt", "ASCII/INDI19Q1.txt", "ASCII/OUTC19Q1.txt",
                     "ASCII/REAC19Q1.txt", "ASCII/RPSR19Q1.txt", "ASCII/THER19Q1.txt", "Deleted/DELETE19Q1.txt",
                     "PV_SYNTHETIC.txt"]                   # the marker: synthetic wherever the zip goes
    assert demo[0].startswith("primaryid$caseid$caseversion$i_f_code$") and demo[0].endswith("occr_country$")
    assert all(line.endswith("$") and line.count("$") == 25 for line in demo)


def test_same_arguments_give_identical_zips(tmp_path, quarters):
    again = synth.write_quarters(tmp_path, reports=12_000, quarters=4, start="2018Q4", seed=7)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in quarters]
    other = synth.write_quarters(tmp_path / "s8", reports=12_000, quarters=1, start="2018Q4", seed=8)
    assert other[0].read_bytes() != quarters[0].read_bytes()


def test_generated_data_has_the_mess_and_the_signals(con, quarters):
    for q in quarters:
        (result,) = ingest_path(con, q)
        assert result.n_quarantined == 0
    standardize.build(con)
    versions = con.execute("select max(n_versions), count(*) filter (where n_versions > 1) from case_report").fetchall()[0]
    assert versions[0] >= 2 and versions[1] > 500                    # follow-ups
    deleted = con.execute("select count(distinct caseid) from raw_deleted_case").fetchall()[0][0]
    assert deleted > 0
    assert con.execute("select count(*) from case_report where case_id in "
                       "(select caseid from raw_deleted_case)").fetchall()[0][0] == 0
    assert con.execute("select count(*) from case_duplicate").fetchall()[0][0] > 50
    assert con.execute("select count(*) from case_drug where ingredient_source = 'unmapped'").fetchall()[0][0] > 0
    assert con.execute("select count(*) from case_drug where ingredient_source = 'synonym'").fetchall()[0][0] > 500
    assert con.execute("select count(*) from case_report where age_years is null").fetchall()[0][0] > 1000
    # alemtuzumab reports carry Basedow's disease far more often than other drugs' reports (crude PRR)
    prr = con.execute("""
        with exposed as (select distinct case_id from case_drug where ingredient = 'ALEMTUZUMAB' and role in ('PS', 'SS')),
        event as (select distinct case_id from case_event where pt = 'BASEDOW''S DISEASE'),
        cells as (
            select count(*) filter (where e.case_id is not null and x.case_id is not null) as a,
                   count(*) filter (where x.case_id is not null) as n_exposed,
                   count(*) filter (where e.case_id is not null and x.case_id is null) as c,
                   count(*) filter (where x.case_id is null) as n_other
            from case_report r left join exposed x using (case_id) left join event e using (case_id))
        select a, (a / n_exposed) / greatest(c, 0.5) * n_other from cells""").fetchall()[0]
    assert prr[0] >= 5 and prr[1] > 20


def test_committed_sample_data_is_what_pv_synth_writes(tmp_path):
    """sample_data/ was made by `pv synth` with its defaults; regenerating gives the same files' contents."""
    from pathlib import Path

    committed = sorted((Path(__file__).parent.parent / "sample_data").glob("*.zip"))
    assert len(committed) == 6
    fresh = synth.write_quarters(tmp_path, reports=36_000, quarters=6)   # the `pv synth` defaults
    for old, new in zip(committed, fresh, strict=True):
        assert old.name == new.name
        with zipfile.ZipFile(old) as a, zipfile.ZipFile(new) as b:
            assert a.namelist() == b.namelist()
            for member in a.namelist():
                assert a.read(member) == b.read(member), member
