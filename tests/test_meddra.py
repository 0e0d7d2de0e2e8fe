"""MedDRA: loading a release (and refusing a broken one), coding reported terms to LLT and PT, the hierarchy and
SMQ levels, and the category file expanded against them. Every test uses the invented MedDRA-format release in
sample_data/meddra_demo (invented codes, NOT MedDRA; see pv.meddra.invented)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from pv import categorize, meddra, runs, standardize
from pv.categorize.check import check
from pv.errors import PvError
from pv.ingest import ingest_report_csv
from pv.meddra import invented
from pv.signals import ScoreSettings, count_pairs, prepare

DEMO = Path(__file__).parent.parent / "sample_data" / "meddra_demo"


def test_committed_demo_release_is_what_invented_writes(tmp_path):
    invented.write(tmp_path)
    for f in sorted((DEMO / "MedAscii").iterdir()):
        assert f.read_bytes() == (tmp_path / "MedAscii" / f.name).read_bytes(), f.name
    assert "NOT MedDRA" in (DEMO / "README.md").read_text()


def test_load_status_and_versions(con, tmp_path):
    result = meddra.load(con, DEMO, by="tester")
    assert (result.version, result.current) == ("90.0", "90.0")
    assert result.counts["meddra_pt"] == 285 and result.counts["meddra_smq_list"] == 10
    (row,) = meddra.releases(con)
    assert row["loaded_by"] == "tester" and row["n_llt"] == 301
    with pytest.raises(PvError, match=r"MedDRA 90.0 is already loaded .* Use --replace"):
        meddra.load(con, DEMO)
    assert meddra.load(con, DEMO, replace=True).replaced
    assert con.execute("select count(*) from meddra_pt").fetchone()[0] == 285       # replaced, not doubled
    # a second version side by side; the newest is current unless configured
    other = tmp_path / "v91"
    shutil.copytree(DEMO, other)
    (other / "MedAscii" / "meddra_release.asc").write_text("91.0$Invented demo, not MedDRA$$$\n")
    meddra.load(con, other)
    assert [r["version"] for r in meddra.releases(con)] == ["91.0", "90.0"]
    assert meddra.current_version(con) == "91.0"
    assert meddra.current_version(con, "90.0") == "90.0"
    with pytest.raises(PvError, match=r"meddra_version = '27.1' is configured, but .* \(loaded: 91.0, 90.0\)"):
        meddra.current_version(con, "27.1")


def test_release_zip_loads(con, tmp_path):
    path = tmp_path / "MedDRA_90_0_English.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for f in (DEMO / "MedAscii").iterdir():
            zf.write(f, f"MedDRA_90_0_English/MedAscii/{f.name}")
        zf.writestr("MedDRA_90_0_English/MedAscii/intl_ord.asc", "1$90100001$\n")       # known, ignored
    assert meddra.load(con, path).version == "90.0"


def _broken(tmp_path, change) -> Path:
    folder = tmp_path / "release"
    shutil.copytree(DEMO / "MedAscii", folder)
    change(folder)
    return folder


def _edit(name, old, new, count=1):
    def change(folder):
        f = folder / name
        f.write_text(f.read_text().replace(old, new, count))
    return change


@pytest.mark.parametrize("change, message", [
    (lambda f: (f / "hlt.asc").unlink(), r"the MedDRA release is missing hlt\.asc"),
    (lambda f: (f / "extra.asc").write_text("1$x$\n"), r"unexpected file\(s\) extra\.asc in the MedAscii folder"),
    (_edit("pt.asc", "$", "|", -1), r"pt\.asc line 1: expected 11 fields ending in '\$', found 1\. No '\$' on the "
                                    r"line: is the file delimited by another character\?"),
    (lambda f: (f / "pt.asc").write_text((f / "pt.asc").read_text() + (f / "pt.asc").read_text().splitlines()[0] + "\n"),
     r"pt\.asc line 286: pt_code 90400001 appears twice \(first at line 1\)"),
    (_edit("pt.asc", "$$90100001$", "$$99999999$"), r"pt\.asc line \d+: pt_soc_code 99999999 is not in soc\.asc\. "
                                                    r"Every PT has a primary SOC\."),
    (_edit("llt.asc", "90500001$Idiopathic thrombocytopenic purpura$", "90500001$Idiopathic thrombocytopenic purpura$x"),
     r"llt\.asc line \d+: pt_code must be a number, found 'x\d+'"),
    (_edit("meddra_release.asc", "90.0", "ninety"), r"meddra_release\.asc line 1: expected the version and language"),
])
def test_a_broken_release_is_refused_naming_file_and_line(con, tmp_path, change, message):
    with pytest.raises(PvError, match=message):
        meddra.load(con, _broken(tmp_path, change))
    assert meddra.releases(con) == []                                     # nothing loaded


CSV_HEADER = "report_id,drug,event,role\n"


def _csv_db(con, tmp_path, rows: list[tuple[str, str, str]], name="reports") -> None:
    path = tmp_path / f"{name}.csv"
    path.write_text(CSV_HEADER + "".join(f'{r},{d},"{e}",PS\n' for r, d, e in rows))
    ingest_report_csv(con, path)


def test_terms_are_coded_to_llt_and_pt(con, tmp_path):
    _csv_db(con, tmp_path, [
        ("1", "DRUG A", "Idiopathic thrombocytopenic purpura"),   # former PT, now a current LLT
        ("1", "DRUG A", "immune  THROMBOCYTOPENIA"),              # the PT, other case and spacing: same case, once
        ("2", "DRUG A", "Pneumocystis carinii pneumonia"),        # non-current LLT
        ("3", "DRUG A", "Hemorrhage"),                            # American spelling of an LLT
        ("4", "DRUG A", "Graves disease"),                        # apostrophe dropped
        ("5", "DRUG A", "Not a term anyone uses"),
        ("6", "DRUG A", "90500002"),                              # an LLT code (Autoimmune thrombocytopenia)
    ])
    meddra.load(con, DEMO)
    built = standardize.build(con)
    assert built["meddra_version"] == "90.0"
    rows = con.execute("select case_id, pt, pt_reported, llt_code is not null, match_method, meddra_version "
                       "from case_event order by case_id, pt").fetchall()
    assert rows == [
        ("reports:1", "IMMUNE THROMBOCYTOPENIA", "Idiopathic thrombocytopenic purpura", True, "llt", "90.0"),
        ("reports:2", "PNEUMOCYSTIS JIROVECII PNEUMONIA", "Pneumocystis carinii pneumonia", True, "llt_noncurrent",
         "90.0"),
        ("reports:3", "HAEMORRHAGE", "Hemorrhage", True, "pt", "90.0"),      # the PT, spelling aside
        ("reports:4", "BASEDOW'S DISEASE", "Graves disease", True, "llt", "90.0"),
        ("reports:5", "NOT A TERM ANYONE USES", "Not a term anyone uses", False, "unmatched", None),
        ("reports:6", "IMMUNE THROMBOCYTOPENIA", "90500002", True, "llt_code", "90.0"),
    ]


def test_loading_meddra_recodes_everything(con, tmp_path):
    _csv_db(con, tmp_path, [("1", "DRUG A", "Idiopathic thrombocytopenic purpura"),
                            ("2", "DRUG A", "Immune thrombocytopenia")])
    standardize.build(con)
    assert con.execute("select count(distinct pt), any_value(match_method) from case_event").fetchone() == (2, "text")
    meddra.load(con, DEMO)
    how = standardize.plan(con)
    assert (how.mode, how.reason) == ("full", "events are coded with MedDRA 90.0 now (were none)")
    standardize.build(con)
    assert con.execute("select count(distinct pt) from case_event").fetchone()[0] == 1
    assert standardize.plan(con).mode == "current"


def test_smq_expansion_narrow_broad_hierarchical_algorithmic(con):
    meddra.load(con, DEMO)
    meddra.build_pt_levels(con, "90.0")

    def pts(smq, scope=None):
        return {r[0] for r in con.execute(
            "select p.pt_name from meddra_smq_pt as s join meddra_pt as p on p.version = '90.0' and p.pt_code = s.pt_code "
            "where s.smq_name = $n and ($s is null or s.scope = $s)", {"n": smq, "s": scope}).fetchall()}

    ischaemic = "Ischaemic central nervous system vascular conditions (SMQ)"
    assert "Cerebrovascular accident" in pts(ischaemic) - pts(ischaemic, "narrow")        # broad only
    assert pts(ischaemic, "narrow") <= pts(ischaemic)                                     # broad includes narrow
    parent = pts("Central nervous system vascular disorders (SMQ)")                     # holds its sub-SMQs
    assert pts(ischaemic) | pts("Haemorrhagic central nervous system vascular conditions (SMQ)") == parent
    anaphylaxis = "Anaphylactic reaction (SMQ)"                                           # algorithmic
    assert pts(anaphylaxis, "narrow") == {"Anaphylactic reaction", "Anaphylactic shock", "Anaphylactoid reaction",
                                          "Anaphylactoid shock"}
    assert {"Urticaria", "Hypotension", "Dyspnoea"} <= pts(anaphylaxis)                   # Urticaria also via LLT Hives
    assert "Rash" not in pts(anaphylaxis)                                                 # an inactive term


def _score_counts(con, **settings):
    s = ScoreSettings(**settings)
    return count_pairs(con, s, prepare(con, s))


def test_each_level_counts_a_report_once(con, tmp_path):
    # case 1 reports two PTs of one HLT (Herpes viral infections) and SOC; case 2 one of them; case 3 another SOC
    _csv_db(con, tmp_path, [("1", "DRUG A", "Herpes simplex"), ("1", "DRUG A", "Oral herpes"),
                            ("2", "DRUG A", "Herpes simplex"), ("3", "DRUG B", "Nausea"),
                            ("4", "DRUG B", "Herpes simplex encephalitis")])
    meddra.load(con, DEMO)
    standardize.build(con)
    counts = _score_counts(con).set_index(["level", "drug", "event"])
    assert counts.loc[("pt", "DRUG A", "HERPES SIMPLEX"), "a"] == 2
    assert counts.loc[("hlt", "DRUG A", "Herpes viral infections"), "a"] == 2           # case 1 once
    assert counts.loc[("soc", "DRUG A", "Infections and infestations"), "a"] == 2
    assert counts.loc[("hlt", "DRUG A", "Herpes viral infections"), "n_event"] == 3
    assert counts.loc[("smq_broad", "DRUG A", "Opportunistic infections (SMQ)"), "a"] == 2
    assert ("smq_narrow", "DRUG A", "Opportunistic infections (SMQ)") not in counts.index   # herpes simplex is broad
    assert counts.loc[("smq_narrow", "DRUG B", "Opportunistic infections (SMQ)"), "a"] == 1
    # multi-axial: herpes simplex encephalitis's primary SOC is Infections; all paths add Nervous system disorders
    assert ("soc", "DRUG B", "Nervous system disorders") not in counts.index
    every_path = _score_counts(con, all_soc_paths=True).set_index(["level", "drug", "event"])
    assert every_path.loc[("soc", "DRUG B", "Nervous system disorders"), "a"] == 1


V2 = """
name: test_categories
version: "2"
categories:
  - name: reaction
    subcategories:
      - name: infusion
        rationale: test
        narrow:
          pts: [Infusion related reaction]
          smq: [{name: Anaphylactic reaction (SMQ), scope: narrow}]
        broad:
          pts: [Pyrexia, Headache]
          hlt: [Urticarias]
        exclude_pts: [Anaphylactoid shock]
      - name: herpes
        rationale: test
        hlgt: [Viral infectious disorders]
        exclude_pts: [Influenza]
        pts: [Idiopathic thrombocytopenic purpura]
"""


def test_category_file_v2_expands_against_meddra(con, tmp_path):
    path = tmp_path / "cats.yaml"
    path.write_text(V2)
    meddra.load(con, DEMO)
    meddra.build_term_index(con, "90.0")
    meddra.build_pt_levels(con, "90.0")
    assert categorize.install(con, categorize.load(path), "90.0") == []

    def terms(event):
        return {r[0] for r in con.execute("select term from event_category_term where event = $e", {"e": event}).fetchall()}

    narrow, broad = terms("reaction / infusion (narrow)"), terms("reaction / infusion (broad)")
    assert narrow == {"Infusion related reaction", "Anaphylactic reaction", "Anaphylactic shock", "Anaphylactoid reaction"}
    assert broad == narrow | {"Pyrexia", "Headache", "Urticaria"}                          # broad includes narrow
    herpes = terms("reaction / herpes")
    assert {"Herpes zoster", "Cytomegalovirus infection", "Immune thrombocytopenia"} <= herpes   # LLT -> its PT
    assert "Influenza" not in herpes
    in_category = {r[0] for r in con.execute("select distinct event from event_category_term where in_category").fetchall()}
    assert in_category == {"reaction / infusion (narrow)", "reaction / herpes"}


def test_without_meddra_only_explicit_pts_are_used_and_it_says_so(con, tmp_path):
    path = tmp_path / "cats.yaml"
    path.write_text(V2)
    meddra.build_term_index(con, None)
    meddra.build_pt_levels(con, None)
    warnings = categorize.install(con, categorize.load(path), None)
    assert "reaction / herpes: hlgt 'Viral infectious disorders' was not expanded: no MedDRA is loaded " \
           "(only explicit pts are used)." in warnings
    assert con.execute("select count(*) from event_category_term where event = 'reaction / infusion (broad)'"
                       ).fetchone()[0] == 3


@pytest.mark.parametrize("yaml_text, message", [
    ("name: x\nversion: 1\ncategories:\n  - name: c\n    subcategories:\n      - name: s\n        rationale: r\n"
     "        narrow: {pts: [Rash]}\n", r"has a narrow definition but not the other; give both"),
    ("name: x\nversion: 1\ncategories:\n  - name: c\n    subcategories:\n      - name: s\n        rationale: r\n"
     "        smq: [{name: Anaphylactic reaction (SMQ), scope: wide}]\n", r"scope must be narrow or broad, not 'wide'"),
    ("name: x\nversion: 1\ncategories:\n  - name: c\n    subcategories:\n      - name: s\n        rationale: r\n"
     "        exclude_pts: [Rash]\n", r"subcategory s has no pts, hlt, hlgt or smq"),
])
def test_category_file_errors(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(PvError, match=message):
        categorize.load(path)


def test_categories_check_names_what_is_not_current(con, tmp_path):
    path = tmp_path / "cats.yaml"
    path.write_text(V2.replace("hlt: [Urticarias]", "hlt: [Urticarials]")
                    .replace("scope: narrow}]", "scope: narrow}, Anaphylactic reactions (SMQ)]"))
    meddra.load(con, DEMO)
    result = check(con, categorize.load(path))
    assert sorted(result["problems"]) == [
        "'Anaphylactic reactions (SMQ)' is not a current SMQ in MedDRA 90.0. The closest SMQ is "
        "'Anaphylactic reaction (SMQ)'.",
        "'Idiopathic thrombocytopenic purpura' is not a PT but a current LLT of the PT 'Immune thrombocytopenia' "
        "in MedDRA 90.0: list the PT.",
        "'Urticarials' is not a current HLT in MedDRA 90.0. The closest HLT is 'Urticarias'.",
    ]
    adds = {(r["scope"], r["term"]) for r in result["smq_adds"]}
    assert ("narrow", "Anaphylactic shock") in adds and ("narrow", "Infusion related reaction") not in adds
    assert all(r["added_in"] == "90.0" and r["is_new_in_version"] for r in result["smq_adds"])


def test_bundled_category_file_is_all_current_names_of_the_demo_release(con):
    meddra.load(con, DEMO)
    result = check(con, categorize.load())
    assert sorted(result["problems"]) == []
    assert result["warnings"] == []


def test_exclude_events_drops_non_clinical_terms(con, tmp_path):
    _csv_db(con, tmp_path, [("1", "DRUG A", "Drug ineffective"), ("1", "DRUG A", "Nausea"),
                            ("2", "DRUG A", "Off label use"), ("3", "DRUG B", "Nausea")])
    standardize.build(con)                                      # without MedDRA: the bundled PT list, by text
    kept = _score_counts(con, exclude_events=True)
    assert set(kept.loc[kept["level"] == "pt", "event"]) == {"NAUSEA"}
    assert kept["n_total"].iloc[0] == 2                         # case 2 reported only a non-clinical term
    meddra.load(con, DEMO)
    standardize.build(con)                                      # with MedDRA: by SOC, HLGT and HLT as well
    assert set(_score_counts(con, exclude_events=True).query("level == 'pt'")["event"]) == {"NAUSEA"}
    assert len(_score_counts(con).query("level == 'pt'")) == 4


def score_run_result(con, score_run: int) -> dict:
    version, = con.execute("select meddra_version from score_run where run_id = $r", {"r": score_run}).fetchone()
    n, = con.execute("select count(*) from drug_event_score where run_id = $r and level = 'smq_broad'",
                     {"r": score_run}).fetchone()
    return {"meddra_version": version, "n_smq_broad": n}


def test_sample_data_with_the_demo_release(con):
    from pv.config import PvConfig
    from pv.ingest import ingest_path

    for z in sorted((DEMO.parent).glob("*.zip")):
        ingest_path(con, z)
    standardize.build(con)
    text_pts = {r[0] for r in con.execute("select distinct pt from case_event where pt like '%THROMBOCYTOPENI%'").fetchall()}
    assert {"IDIOPATHIC THROMBOCYTOPENIC PURPURA", "IMMUNE THROMBOCYTOPENIA"} <= text_pts      # two events as text
    meddra.load(con, DEMO)
    standardize.build(con)
    coded = {r[0] for r in con.execute("select distinct pt from case_event where pt like '%THROMBOCYTOPENI%'").fetchall()}
    assert "IDIOPATHIC THROMBOCYTOPENIC PURPURA" not in coded and "IMMUNE THROMBOCYTOPENIA" in coded
    run_id = runs.run_in_process(con, PvConfig(drugs_of_interest=["ALEMTUZUMAB"], report_formats=["csv"]))
    score_run = con.execute("select score_run_id from signal_run where run_id = $r", {"r": run_id}).fetchone()[0]
    result = score_run_result(con, score_run)
    assert result["meddra_version"] == "90.0" and result["n_smq_broad"] > 0
    row = con.execute("select a, eb05, criteria_met from drug_event_scores where drug = 'ALEMTUZUMAB' and "
                      "level = 'subcategory' and event = 'infusion_reaction / infusion_reaction (narrow)'").fetchone()
    assert row[1] > 2 and "eb05" in row[2]                     # the specific definition signals
    broad = con.execute("select eb05 from drug_event_scores where drug = 'ALEMTUZUMAB' and level = 'subcategory' "
                        "and event = 'infusion_reaction / infusion_reaction (broad)'").fetchone()[0]
    assert broad < row[1]                                       # the symptoms dilute it
    stored = con.execute("select count(*), any_value(meddra_version) from score_run_category_term where run_id = $r",
                         {"r": score_run}).fetchone()
    assert stored[0] > 100 and stored[1] == "90.0"
    # time to signal: at the last quarter every case is in, so each level's figures are the run's own, EBGM
    # included, because each level is scored with the prior the run fitted for it (hlt, hlgt, soc have their own)
    priors = json.loads(con.execute("select mgps_priors from score_run where run_id = $r", {"r": score_run}).fetchone()[0])
    assert priors["hlt"]["source"] == "fitted" and priors["hlt"]["alpha1"] != priors["pt"]["alpha1"]
    last = con.execute(
        "select q.level, count(*), count(*) filter (where abs(q.ebgm - s.ebgm) < 1e-9 and q.a = s.a and q.d = s.d) "
        "from signal_by_quarter as q join drug_event_score as s on s.run_id = $s and s.level = q.level "
        "and s.drug = q.drug and s.event = q.event where q.run_id = $r "
        "and q.quarter = (select max(quarter) from signal_by_quarter where run_id = $r) group by q.level",
        {"r": run_id, "s": score_run}).fetchall()
    assert {level for level, *_ in last} >= {"pt", "hlt", "soc", "smq_broad"}
    assert all(n == same for _, n, same in last), last
