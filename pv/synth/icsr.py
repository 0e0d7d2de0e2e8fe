"""Synthetic openFDA drug-event JSON and E2B(R3) XML for benchmarks and demos (``pv synth --format openfda|e2b``).

The cases are :mod:`pv.synth`'s (same catalogue, drugs, events, dates and seriousness), written in the other
shapes: openFDA bulk files (``drug-event-0001-of-000N.json.zip``, ``{"meta", "results"}``, 100,000 reports a
file) or E2B(R3) batches (``e2b-r3-0001.xml``, 10,000 ``PORR_IN049016UV`` messages a file). E2B reactions carry
the invented demo release's codes (:mod:`pv.meddra.invented`, NOT MedDRA; the PT name rides along as the reported
term). Cases of ALEMTUZUMAB carry lymphocyte counts after the therapy start, so lab grading has data. Every
folder written gets ``PV_SYNTHETIC.txt``: ingest records the loads as synthetic.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from pv.ingest.layout import SYNTHETIC_MARKER
from pv.meddra import invented
from pv.synth import SYNTHETIC_NOTE, catalogue, default_first_caseid, new_cases, quarter_range

PER_OPENFDA_FILE = 100_000
PER_E2B_FILE = 10_000
PER_QUARTER = 400_000
QUALIFICATION = {"MD": "1", "PH": "2", "OT": "3", "HP": "3", "LW": "4", "CN": "5"}
CHARACTERIZATION = {"PS": "1", "SS": "1", "C": "2", "I": "3"}
SERIOUS = {"DE": "seriousnessdeath", "LT": "seriousnesslifethreatening", "HO": "seriousnesshospitalization",
           "DS": "seriousnessdisabling", "CA": "seriousnesscongenitalanomali", "OT": "seriousnessother",
           "RI": "seriousnessother"}
R3_SERIOUS = {"DE": "34", "LT": "21", "HO": "33", "DS": "35", "CA": "12", "OT": "26", "RI": "26"}


def _cases(reports: int, seed: int, start: str) -> list[dict]:
    """pv.synth's initial reports, one dict per case (demo fields, drugs, events, outcomes, therapy starts)."""
    cat = catalogue(seed)
    n_quarters = max(1, -(-reports // PER_QUARTER))
    per_quarter = -(-reports // n_quarters)
    next_caseid = default_first_caseid(start)
    cases: list[dict] = []
    for i, quarter in enumerate(quarter_range(start, n_quarters)):
        n = min(per_quarter, reports - len(cases))
        rng = np.random.default_rng([seed, i])
        tables = new_cases(rng, cat, n, quarter, next_caseid)
        next_caseid += n
        cases.extend(_by_case(tables))
    return cases


def _by_case(tables: dict[str, pd.DataFrame]) -> list[dict]:
    def records(kind: str) -> list[dict]:      # text as the files hold it, missing values as None
        frame = tables[kind]
        return [{k: (None if v is None or v != v else (str(v) if k.endswith("id") else v)) for k, v in row.items()}
                for row in frame.to_dict("records")]

    def grouped(kind: str) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for row in records(kind):
            out.setdefault(row["primaryid"], []).append(row)
        return out

    drugs, reactions, outcomes = grouped("DRUG"), grouped("REAC"), grouped("OUTC")
    starts = {(r["primaryid"], str(r["dsg_drug_seq"])): r["start_dt"] for r in records("THER")}
    out = []
    for demo in records("DEMO"):
        pid = demo["primaryid"]
        case_drugs = drugs.get(pid, [])
        for d in case_drugs:
            d["start_dt"] = starts.get((pid, str(d["drug_seq"])))
        out.append({**demo, "drugs": case_drugs, "pts": [r["pt"] for r in reactions.get(pid, [])],
                    "outcomes": [o["outc_cod"] for o in outcomes.get(pid, [])]})
    return out


def _lymphocytes(case: dict, rng: np.random.Generator) -> list[tuple[str, float]]:
    """Two lymphocyte counts (10^9/L) 30 and 90 days after an ALEMTUZUMAB start: the drug depletes lymphocytes."""
    start = next((d["start_dt"] for d in case["drugs"] if d["prod_ai"] == "ALEMTUZUMAB" and d["start_dt"]), None)
    if not start or len(start) != 8:
        return []
    day0 = np.datetime64(f"{start[:4]}-{start[4:6]}-{start[6:]}")
    return [(str(day0 + np.timedelta64(days, "D")).replace("-", ""), round(float(rng.lognormal(np.log(mu), 0.5)), 2))
            for days, mu in ((30, 0.3), (90, 0.6))]


def openfda_record(case: dict, labs: list[tuple[str, float]]) -> dict:
    serious = {SERIOUS[o]: "1" for o in case["outcomes"] if o in SERIOUS}
    patient = {"patientsex": {"F": "2", "M": "1"}.get(case["sex"] or "", "0"),
               "reaction": [{"reactionmeddrapt": pt, "reactionmeddraversionpt": "26.0"} for pt in case["pts"]],
               "drug": [{"medicinalproduct": d["drugname"], "drugcharacterization": CHARACTERIZATION.get(d["role_cod"]),
                         "activesubstance": {"activesubstancename": d["prod_ai"]},
                         **({"drugstartdate": d["start_dt"]} if d["start_dt"] else {})} for d in case["drugs"]]}
    if case["age"]:
        patient |= {"patientonsetage": case["age"], "patientonsetageunit": "800" if case["age_cod"] == "DEC" else "801"}
    if labs:
        patient["test"] = [{"testname": "Lymphocyte count", "testdate": d, "testresult": str(v), "testunit": "10^9/L"}
                           for d, v in labs]
    return {"safetyreportid": str(case["caseid"]), "safetyreportversion": "1", "receivedate": case["init_fda_dt"],
            "receiptdate": case["fda_dt"], "serious": "1" if serious else "2", **serious,
            "primarysource": {"qualification": QUALIFICATION.get(case["occp_cod"], "5")},
            "occurcountry": case["occr_country"], "patient": patient}


def e2b_message(case: dict, labs: list[tuple[str, float]], codes: dict[str, int]) -> str:
    flags = "".join(f'<outboundRelationship2 typeCode="PERT"><observation classCode="OBS" moodCode="EVN"><code code="{c}" '
                    'codeSystem="2.16.840.1.113883.3.989.2.1.1.19"/><value xsi:type="BL" value="true"/></observation>'
                    "</outboundRelationship2>" for c in sorted({R3_SERIOUS[o] for o in case["outcomes"] if o in R3_SERIOUS}))
    reactions = "".join(
        '<subjectOf2 typeCode="SBJ"><observation classCode="OBS" moodCode="EVN"><code code="29" '
        f'codeSystem="2.16.840.1.113883.3.989.2.1.1.19"/><value xsi:type="CE" code="{codes.get(pt, "")}" '
        f'codeSystem="2.16.840.1.113883.6.163" codeSystemVersion="90.0"><originalText>{escape(pt)}</originalText>'
        f"</value>{flags}</observation></subjectOf2>" for pt in case["pts"])
    drugs = "".join(
        f'<component typeCode="COMP"><substanceAdministration classCode="SBADM" moodCode="EVN"><id root="d{i}"/>'
        '<consumable typeCode="CSM"><instanceOfKind classCode="INST"><kindOfProduct classCode="MMAT" '
        f'determinerCode="KIND"><name>{escape(d["drugname"])}</name><ingredient classCode="ACTI"><ingredientSubstance '
        f'classCode="MMAT" determinerCode="KIND"><name>{escape(d["prod_ai"] or "")}</name></ingredientSubstance>'
        "</ingredient></kindOfProduct></instanceOfKind></consumable>"
        + (f'<outboundRelationship2 typeCode="COMP"><substanceAdministration classCode="SBADM" moodCode="EVN">'
           f'<effectiveTime xsi:type="IVL_TS"><low value="{d["start_dt"]}"/></effectiveTime></substanceAdministration>'
           "</outboundRelationship2>" if d["start_dt"] else "")
        + "</substanceAdministration></component>" for i, d in enumerate(case["drugs"]))
    roles = "".join(
        '<component typeCode="COMP"><causalityAssessment classCode="OBS" moodCode="EVN"><code code="20" '
        f'codeSystem="2.16.840.1.113883.3.989.2.1.1.19"/><value xsi:type="CE" code="{CHARACTERIZATION.get(d["role_cod"], "")}"/>'
        f'<subject2 typeCode="SUBJ"><productUseReference classCode="SBADM" moodCode="EVN"><id root="d{i}"/>'
        "</productUseReference></subject2></causalityAssessment></component>" for i, d in enumerate(case["drugs"]))
    tests = "".join(
        f'<component typeCode="COMP"><observation classCode="OBS" moodCode="EVN"><code><originalText>Lymphocyte count'
        f'</originalText></code><effectiveTime value="{d}"/><value xsi:type="PQ" value="{v}" unit="10*9/L"/>'
        "</observation></component>" for d, v in labs)
    lab_block = (f'<subjectOf2 typeCode="SBJ"><organizer classCode="CATEGORY" moodCode="EVN"><code code="3" '
                 f'codeSystem="2.16.840.1.113883.3.989.2.1.1.20"/>{tests}</organizer></subjectOf2>' if labs else "")
    age = (f'<subjectOf2 typeCode="SBJ"><observation classCode="OBS" moodCode="EVN"><code code="3" '
           f'codeSystem="2.16.840.1.113883.3.989.2.1.1.19"/><value xsi:type="PQ" value="{case["age"]}" '
           f'unit="{"10.a" if case["age_cod"] == "DEC" else "a"}"/></observation></subjectOf2>' if case["age"] else "")
    sex = {"F": "2", "M": "1"}.get(case["sex"] or "", "0")
    case_id = quoteattr(f"SYNTH-{case['caseid']}")
    return (
        '<PORR_IN049016UV><controlActProcess classCode="CACT" moodCode="EVN">'
        f'<effectiveTime value="{case["fda_dt"]}"/><subject typeCode="SUBJ"><investigationEvent classCode="INVSTG" '
        f'moodCode="EVN"><id extension={case_id} root="2.16.840.1.113883.3.989.2.1.3.1"/><id extension={case_id} '
        f'root="2.16.840.1.113883.3.989.2.1.3.2"/><effectiveTime><low value="{case["init_fda_dt"]}"/></effectiveTime>'
        f'<availabilityTime value="{case["fda_dt"]}"/><component typeCode="COMP"><adverseEventAssessment '
        'classCode="INVSTG" moodCode="EVN"><subject1 typeCode="SBJ"><primaryRole classCode="INVSBJ">'
        f'<player1 classCode="PSN" determinerCode="INSTANCE"><administrativeGenderCode code="{sex}"/></player1>'
        f'{age}{reactions}{lab_block}<subjectOf2 typeCode="SBJ"><organizer classCode="CATEGORY" moodCode="EVN">'
        f'<code code="4" codeSystem="2.16.840.1.113883.3.989.2.1.1.20"/>{drugs}</organizer></subjectOf2>'
        f"</primaryRole></subject1>{roles}</adverseEventAssessment></component></investigationEvent></subject>"
        "</controlActProcess></PORR_IN049016UV>\n")


def write_icsr(out_dir: str | Path, reports: int, fmt: str, *, seed: int = 20240101, start: str = "2019Q1",
               per_file: int | None = None, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``reports`` synthetic cases as openFDA bulk files (``fmt='openfda'``) or E2B(R3) batches ('e2b'),
    ``per_file`` reports a file (default 100,000 openFDA, 10,000 E2B)."""
    say = progress or (lambda _m: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / SYNTHETIC_MARKER).write_text(SYNTHETIC_NOTE)
    cases = _cases(reports, seed, start)
    rng = np.random.default_rng([seed, 99])
    labs = [_lymphocytes(c, rng) for c in cases]
    per_file = per_file or (PER_OPENFDA_FILE if fmt == "openfda" else PER_E2B_FILE)
    n_files = max(1, -(-len(cases) // per_file))
    codes = {name: code for (kind, name), code in invented._rows()[2].items() if kind == "pt"}
    written = []
    for k in range(n_files):
        chunk = range(k * per_file, min((k + 1) * per_file, len(cases)))
        if fmt == "openfda":
            path = out / f"drug-event-{k + 1:04d}-of-{n_files:04d}.json.zip"
            body = ",\n".join(json.dumps(openfda_record(cases[i], labs[i]), separators=(",", ":")) for i in chunk)
            text = ('{"meta":{"disclaimer":"Synthetic demonstration data written by pv synth: not openFDA."},'
                    f'"results":[\n{body}\n]}}\n')
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(path.name.removesuffix(".zip"), text)
        else:
            path = out / f"e2b-r3-{k + 1:04d}.xml"
            with open(path, "w", encoding="utf-8") as f:
                f.write('<?xml version="1.0" encoding="UTF-8"?>\n<MCCI_IN200100UV01 xmlns="urn:hl7-org:v3" '
                        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ITSVersion="XML_1.0">\n')
                f.writelines(e2b_message(cases[i], labs[i], codes) for i in chunk)
                f.write("</MCCI_IN200100UV01>\n")
        say(f"wrote {path.name} ({len(chunk):,} reports)")
        written.append(path)
    return written
