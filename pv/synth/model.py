"""The reporting model behind ``pv synth``: which drugs are reported, with which events, how often, for which
indications and after what latency, and how reports come back as follow-ups and duplicates. Each function returns
FAERS-shaped tables (pandas, one per ASCII file); :mod:`pv.synth` writes them out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pv import db
from pv.synth.latency import EARLY_ONSET_PTS, LATE_ONSET_PTS, therapy_start

# Relative frequency as a suspect drug; drugs not named here weigh 1. Alemtuzumab is about 1 % of reports (as a
# primary suspect; real FAERS: about 0.1 %), so that its observed-to-expected ratios are not capped near 1/share.
# The MS therapies make a large part of the rest: the demo is an extract rich in the seed's disease area, and
# natalizumab's many PML reports are what masks alemtuzumab's.
DRUG_WEIGHT = {
    "ALEMTUZUMAB": 5, "NATALIZUMAB": 40, "OCRELIZUMAB": 30, "FINGOLIMOD": 25, "DIMETHYL FUMARATE": 25,
    "RITUXIMAB": 25, "INTERFERON BETA-1A": 25, "INTERFERON BETA-1B": 10, "GLATIRAMER ACETATE": 20,
    "TERIFLUNOMIDE": 10, "CLADRIBINE": 8, "ADALIMUMAB": 40, "ETANERCEPT": 25, "METHOTREXATE": 15,
    "ATORVASTATIN": 15, "METFORMIN": 15, "LISINOPRIL": 10, "WARFARIN": 10, "APIXABAN": 12,
    "ACETAMINOPHEN": 8, "LEVOTHYROXINE": 6, "SEMAGLUTIDE": 15, "PEMBROLIZUMAB": 12, "NIVOLUMAB": 10,
    "LEVOFLOXACIN": 6,
}

# Specialist drugs (the MS therapies, biologics, checkpoint inhibitors) are rarely another drug of a report: as a
# secondary suspect or concomitant they weigh this fraction of their weight as a primary suspect.
SPECIALIST_DRUGS = {"ALEMTUZUMAB", "NATALIZUMAB", "OCRELIZUMAB", "FINGOLIMOD", "DIMETHYL FUMARATE", "RITUXIMAB",
                    "INTERFERON BETA-1A", "INTERFERON BETA-1B", "GLATIRAMER ACETATE", "TERIFLUNOMIDE", "CLADRIBINE",
                    "ADALIMUMAB", "ETANERCEPT", "PEMBROLIZUMAB", "NIVOLUMAB", "SEMAGLUTIDE"}
RARELY_CONCOMITANT = 0.1

# PTs reported for any drug (MedDRA spelling), with relative frequency.
BACKGROUND_PT = {
    "Nausea": 30, "Headache": 25, "Fatigue": 30, "Dizziness": 20, "Diarrhoea": 22, "Vomiting": 15,
    "Drug ineffective": 35, "Pain": 15, "Off label use": 15, "Arthralgia": 12, "Rash": 12, "Pruritus": 10,
    "Dyspnoea": 12, "Malaise": 10, "Pyrexia": 10, "Asthenia": 10, "Insomnia": 7, "Anxiety": 7,
    "Depression": 6, "Back pain": 8, "Pain in extremity": 8, "Abdominal pain": 8, "Abdominal pain upper": 5,
    "Cough": 6, "Weight decreased": 6, "Weight increased": 6, "Decreased appetite": 5, "Hypertension": 5,
    "Hypotension": 4, "Chest pain": 5, "Oedema peripheral": 5, "Constipation": 6, "Urinary tract infection": 6,
    "Pneumonia": 6, "Nasopharyngitis": 5, "Influenza": 3, "Fall": 7, "Muscle spasms": 4, "Myalgia": 4,
    "Paraesthesia": 4, "Hypoaesthesia": 3, "Tremor": 3, "Somnolence": 3, "Confusional state": 3,
    "Alopecia": 3, "Erythema": 3, "Urticaria": 2, "Hyperhidrosis": 2, "Palpitations": 3, "Tachycardia": 2,
    "Syncope": 2, "Dehydration": 2, "Anaemia": 3, "Thrombocytopenia": 1, "Neutropenia": 1, "Sepsis": 2,
    "Cellulitis": 1, "Bronchitis": 2, "Sinusitis": 2, "Vision blurred": 2, "Dry mouth": 2, "Dysgeusia": 1,
    "Blood glucose increased": 2, "Hepatic enzyme increased": 1, "Acute kidney injury": 2, "Death": 2,
    "Condition aggravated": 6, "Multiple sclerosis relapse": 3, "Gait disturbance": 3, "Memory impairment": 2,
    "Product dose omission issue": 4, "Injection site pain": 3, "Injection site erythema": 2,
    "Intentional product misuse": 1, "Hospitalisation": 3, "Feeling abnormal": 3, "Visual impairment": 1,
    "Atrial fibrillation": 1, "Myocardial infarction": 1, "Deep vein thrombosis": 1, "Pulmonary embolism": 1,
    "Seizure": 1, "Loss of consciousness": 1, "Flushing": 1, "Chills": 1, "Hypothyroidism": 0.4,
    "Hyperthyroidism": 0.1, "Herpes zoster": 0.5, "Lymphopenia": 0.2, "Haemorrhage": 0.5,
    "Cerebrovascular accident": 0.5, "Ischaemic stroke": 0.3, "Infusion related reaction": 0.3,
    # rare everywhere, so that a drug's excess shows against a real background
    "Basedow's disease": 0.08, "Autoimmune thyroiditis": 0.08, "Immune thrombocytopenia": 0.1,
    "Herpes simplex": 0.3, "Anti-glomerular basement membrane disease": 0.02, "Listeriosis": 0.03,
    "Progressive multifocal leukoencephalopathy": 0.03, "Reversible cerebral vasoconstriction syndrome": 0.02,
    "Cytomegalovirus infection": 0.1, "Autoimmune haemolytic anaemia": 0.05,
    "Thrombotic thrombocytopenic purpura": 0.05, "JC virus infection": 0.02, "Meningitis cryptococcal": 0.02,
    "Bradycardia": 0.5, "Macular oedema": 0.1, "Influenza like illness": 0.5, "Injection site reaction": 0.5,
    "Rhabdomyolysis": 0.1, "Angioedema": 0.2, "Lactic acidosis": 0.1, "Tendon rupture": 0.05, "Pancreatitis": 0.3,
    "Pneumonitis": 0.2, "Hepatitis B reactivation": 0.05, "Herpes simplex encephalitis": 0.02,
    "Subarachnoid haemorrhage": 0.1, "Pneumocystis jirovecii pneumonia": 0.05,
}

# (ingredient, PT) -> probability that a report with the drug as suspect also reports the PT.
DRUG_EVENT_RATE = {
    # LEMTRADA, for relapsing MS: secondary autoimmunity months to years after a course, infusion reactions, the
    # infections of lymphocyte depletion, and (EMA's 2019 review) strokes and RCVS within days of an infusion
    "ALEMTUZUMAB": {
        "Basedow's disease": 0.07, "Hyperthyroidism": 0.06, "Hypothyroidism": 0.06,
        "Autoimmune thyroiditis": 0.05, "Immune thrombocytopenia": 0.04,
        "Anti-glomerular basement membrane disease": 0.015, "Infusion related reaction": 0.15,
        "Urticaria": 0.04, "Pyrexia": 0.05, "Herpes zoster": 0.05, "Herpes simplex": 0.03,
        "Listeriosis": 0.01, "Progressive multifocal leukoencephalopathy": 0.01,
        "Reversible cerebral vasoconstriction syndrome": 0.05, "Ischaemic stroke": 0.05,
        "Lymphopenia": 0.05, "Cytomegalovirus infection": 0.01, "Autoimmune haemolytic anaemia": 0.01,
        "Thrombotic thrombocytopenic purpura": 0.005,
    },
    "NATALIZUMAB": {"Progressive multifocal leukoencephalopathy": 0.12, "JC virus infection": 0.01,
                    "Herpes simplex encephalitis": 0.003},
    "RITUXIMAB": {"Infusion related reaction": 0.08, "Progressive multifocal leukoencephalopathy": 0.004,
                  "Hepatitis B reactivation": 0.01, "Neutropenia": 0.03},
    "OCRELIZUMAB": {"Infusion related reaction": 0.08, "Herpes zoster": 0.015},
    "FINGOLIMOD": {"Bradycardia": 0.04, "Macular oedema": 0.02, "Herpes zoster": 0.02,
                   "Meningitis cryptococcal": 0.002, "Lymphopenia": 0.04},
    "DIMETHYL FUMARATE": {"Flushing": 0.12, "Lymphopenia": 0.04, "Progressive multifocal leukoencephalopathy": 0.001},
    "INTERFERON BETA-1A": {"Influenza like illness": 0.10, "Injection site reaction": 0.08},
    "INTERFERON BETA-1B": {"Influenza like illness": 0.10, "Injection site reaction": 0.08},
    "GLATIRAMER ACETATE": {"Injection site reaction": 0.10},
    "TERIFLUNOMIDE": {"Alopecia": 0.05, "Alanine aminotransferase increased": 0.03},
    "CLADRIBINE": {"Lymphopenia": 0.06, "Herpes zoster": 0.02},
    "ATORVASTATIN": {"Myalgia": 0.06, "Rhabdomyolysis": 0.005},
    "LISINOPRIL": {"Cough": 0.08, "Angioedema": 0.01},
    "WARFARIN": {"Haemorrhage": 0.05, "International normalised ratio increased": 0.04},
    "APIXABAN": {"Haemorrhage": 0.04},
    "METFORMIN": {"Lactic acidosis": 0.01},
    "LEVOFLOXACIN": {"Tendon rupture": 0.01},
    "SEMAGLUTIDE": {"Nausea": 0.10, "Pancreatitis": 0.01},
    "PEMBROLIZUMAB": {"Hypothyroidism": 0.02, "Pneumonitis": 0.02},
    "NIVOLUMAB": {"Hypothyroidism": 0.02, "Pneumonitis": 0.02},
}

# CAMPATH / MABCAMPATH, alemtuzumab for chronic lymphocytic leukaemia and (off label) transplant induction: the
# infections and cytopenias of deep immunosuppression (PML among them, more often than under LEMTRADA), infusion
# reactions; none of LEMTRADA's late autoimmunity.
CAMPATH_SHARE = 0.3                   # of alemtuzumab's reports
CAMPATH_BRANDS = ["CAMPATH", "MABCAMPATH", "CAMPATH-1H"]
CAMPATH_INDICATIONS = ["Chronic lymphocytic leukaemia", "Prophylaxis against transplant rejection"]
CAMPATH_EVENT_RATE = {
    "Cytomegalovirus infection": 0.08, "Infusion related reaction": 0.10, "Pyrexia": 0.05, "Neutropenia": 0.06,
    "Pneumocystis jirovecii pneumonia": 0.02, "Lymphopenia": 0.05, "Sepsis": 0.04, "Immune thrombocytopenia": 0.01,
    "Autoimmune haemolytic anaemia": 0.01, "Progressive multifocal leukoencephalopathy": 0.03,
}

# Pairs reported only from a quarter on (the rate applies from then): alemtuzumab's strokes and RCVS emerge
# part-way through the sample quarters, so time to signal has something to find.
EMERGING_FROM = {("ALEMTUZUMAB", "Reversible cerebral vasoconstriction syndrome"): "2019Q3",
                 ("ALEMTUZUMAB", "Ischaemic stroke"): "2019Q3"}

# The indication reported for a drug (INDI, against every drug of a report that has one); a list is drawn from.
INDICATION = {
    **dict.fromkeys(["ALEMTUZUMAB", "NATALIZUMAB", "OCRELIZUMAB", "FINGOLIMOD", "DIMETHYL FUMARATE",
                     "INTERFERON BETA-1A", "INTERFERON BETA-1B", "GLATIRAMER ACETATE", "TERIFLUNOMIDE",
                     "CLADRIBINE", "OFATUMUMAB", "SIPONIMOD", "OZANIMOD"], "Relapsing-remitting multiple sclerosis"),
    "NATALIZUMAB": ["Relapsing-remitting multiple sclerosis", "Multiple sclerosis", "Crohn's disease"],
    "RITUXIMAB": ["Rheumatoid arthritis", "Diffuse large B-cell lymphoma", "Chronic lymphocytic leukaemia"], "ADALIMUMAB": "Rheumatoid arthritis", "ETANERCEPT": "Psoriatic arthropathy",
    "METFORMIN": "Type 2 diabetes mellitus", "ATORVASTATIN": "Hypercholesterolaemia", "LISINOPRIL": "Hypertension",
}

DOSE_TEXT = [" 12 MG/1.2 ML", " 300 MG", " 20MG", " 0.5 MG CAPSULE", " 100 MG TABLETS", " INJECTION", " 40 mg/0.4 mL"]
UNCODABLE = ["VITAMINS NOS", "HERBAL SUPPLEMENT", "UNKNOWN MEDICATION", "BLOOD PRESSURE PILL", "CBD OIL",
             "Multivitamin", "STEROIDS"]
COUNTRIES = np.array(["US", "US", "US", "US", "US", "GB", "DE", "FR", "CA", "JP", "IT", "ES", "AU", "NL", "BR"])
SENDERS = np.array(["SANOFI", "GENZYME", "BIOGEN", "NOVARTIS", "ROCHE", "PFIZER", "MERCK", "ABBVIE", "TEVA", "FDA-CTU"])
OCCUPATIONS = np.array(["MD", "HP", "CN", "PH", "LW"])
OUTCOMES = np.array(["OT", "HO", "DE", "LT", "DS", "CA", "RI"])
OUTCOME_P = np.array([0.40, 0.25, 0.05, 0.04, 0.03, 0.005, 0.03])



@dataclass
class Catalogue:
    ingredients: np.ndarray           # ingredient names
    weights: np.ndarray               # suspect-drug probability
    brands: list[list[str]]           # brand names per ingredient
    pts: np.ndarray                   # background PT names
    pt_p: np.ndarray
    pt_p_by_drug: dict                # drug index -> PT probabilities: pt_p tilted by a fixed per-drug factor
    co_weights: np.ndarray            # probability as a report's other (secondary suspect or concomitant) drug


# Real reporting ratios vary from pair to pair even without a signal; a lognormal tilt with this spread
# (about x0.75 to x1.35 at two standard deviations) keeps the background realistic but far below signal level.
BACKGROUND_SPREAD = 0.15


def catalogue(seed: int = 20240101, extra_drugs: int = 0, extra_pts: int = 0) -> Catalogue:
    """The drugs and PTs to draw from. ``extra_drugs`` / ``extra_pts`` add a long Zipf tail of made-up names
    (``SYNTHDRUG 00001``, ``Synthetic event 00001``) so benchmarks see FAERS-like numbers of distinct pairs."""
    brands: dict[str, list[str]] = {}
    with open(db.sql_dir() / "seeds" / "drug_synonym.csv", newline="") as f:
        for row in csv.DictReader(f):
            brands.setdefault(row["ingredient"], []).append(row["name"])
    for i in range(1, extra_drugs + 1):
        brands[f"SYNTHDRUG {i:05d}"] = [f"SYNTHBRAND {i:05d}"]
    names = sorted(brands)
    tail_rank = {f"SYNTHDRUG {i:05d}": i for i in range(1, extra_drugs + 1)}
    # the named drugs weigh as set; the made-up tail shares their total weight along a Zipf curve
    w = np.array([DRUG_WEIGHT.get(n, 1.0) if n not in tail_rank else 0.0 for n in names], dtype=float)
    if extra_drugs:
        zipf = np.array([1.0 / (tail_rank[n] + 5) ** 1.1 if n in tail_rank else 0.0 for n in names])
        w += zipf / zipf.sum() * w.sum()
    pt_weight = dict(BACKGROUND_PT)
    if extra_pts:
        zipf = 1.0 / (np.arange(1, extra_pts + 1) + 5) ** 1.1
        zipf *= sum(BACKGROUND_PT.values()) / zipf.sum()
        pt_weight.update({f"Synthetic event {i:05d}": float(z) for i, z in enumerate(zipf, start=1)})
    pts = np.array(sorted(pt_weight))
    p = np.array([pt_weight[x] for x in pts], dtype=float)
    p /= p.sum()
    # a fixed tilt per named drug (the made-up tail draws from the plain background)
    named = np.array([n not in tail_rank for n in names])
    tilt = np.exp(BACKGROUND_SPREAD * np.random.default_rng([seed, 999]).standard_normal((int(named.sum()), pts.size)))
    by_drug = p * tilt
    by_drug /= by_drug.sum(axis=1, keepdims=True)
    rows = dict(zip(np.flatnonzero(named).tolist(), by_drug, strict=True))
    co = w * np.array([RARELY_CONCOMITANT if n in SPECIALIST_DRUGS else 1.0 for n in names])
    return Catalogue(np.array(names), w / w.sum(), [brands[n] for n in names], pts, p, rows, co / co.sum())


def quarter_range(start: str, n: int) -> list[str]:
    year, q = int(start[:4]), int(start[-1])
    out = []
    for _ in range(n):
        out.append(f"{year}Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def _quarter_days(quarter: str) -> tuple[np.datetime64, int]:
    year, q = int(quarter[:4]), int(quarter[-1])
    start = np.datetime64(f"{year}-{3 * q - 2:02d}-01")
    end = np.datetime64(f"{year + (q == 4)}-{(3 * q) % 12 + 1:02d}-01")
    return start, int((end - start).astype(int))


def _ymd(dates: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(dates, unit="D").astype("U10").astype(object)


def new_cases(rng: np.random.Generator, cat: Catalogue, n: int, quarter: str, first_caseid: int) -> dict[str, pd.DataFrame]:
    """``n`` initial reports (version 1) received in ``quarter``."""
    caseid = first_caseid + np.arange(n, dtype=np.int64)
    primaryid = caseid * 10 + 1
    q_start, q_days = _quarter_days(quarter)
    fda = q_start + rng.integers(0, q_days, n).astype("timedelta64[D]")
    onset = fda - rng.integers(5, 400, n).astype("timedelta64[D]")
    event_dt = _ymd(onset)
    has_event = rng.random(n)
    event_dt = np.where(has_event < 0.6, event_dt, np.where(has_event < 0.75, [s[:7].replace("-", "") for s in event_dt], None))
    event_dt = np.array([None if e is None else e.replace("-", "") for e in event_dt], dtype=object)
    age = np.clip(rng.normal(46, 14, n), 1, 95).round().astype(int)
    has_age = rng.random(n) < 0.7
    age_cod = np.where(rng.random(n) < 0.03, "DEC", "YR")
    age_val = np.where(age_cod == "DEC", (age // 10).astype(str), age.astype(str))
    sex = rng.choice(np.array(["F", "M", "UNK"], dtype=object), n, p=[0.62, 0.30, 0.08])
    sex = np.where(rng.random(n) < 0.05, None, sex)
    country = rng.choice(COUNTRIES, n).astype(object)
    country = np.where(rng.random(n) < 0.04, None, country)
    demo = pd.DataFrame({
        "primaryid": primaryid, "caseid": caseid, "caseversion": 1, "i_f_code": "I", "event_dt": event_dt,
        "mfr_dt": _ymd(fda - rng.integers(1, 30, n).astype("timedelta64[D]")), "init_fda_dt": _ymd(fda),
        "fda_dt": _ymd(fda), "rept_cod": rng.choice(np.array(["EXP", "PER", "DIR"]), n, p=[0.7, 0.25, 0.05]),
        "mfr_num": None, "mfr_sndr": rng.choice(SENDERS, n),
        "age": np.where(has_age, age_val, None), "age_cod": np.where(has_age, age_cod, None),
        "sex": sex, "e_sub": "Y", "rept_dt": _ymd(fda), "occp_cod": rng.choice(OCCUPATIONS, n),
        "reporter_country": country, "occr_country": country,
    })
    for c in ("fda_dt", "init_fda_dt", "mfr_dt", "rept_dt"):
        demo[c] = demo[c].str.replace("-", "", regex=False)
    demo["mfr_num"] = [f"{s}-{c}" for s, c in zip(demo["mfr_sndr"], caseid, strict=True)]

    # Drugs: one primary suspect, then 0-3 others (secondary suspect or concomitant).
    n_drugs = len(cat.ingredients)
    ps = rng.choice(n_drugs, n, p=cat.weights)
    n_other = rng.choice(6, n, p=[0.2, 0.2, 0.2, 0.2, 0.1, 0.1])   # ~3 drugs a report, as in FAERS
    other_case = np.repeat(np.arange(n), n_other)
    other_drug = rng.choice(n_drugs, other_case.size, p=cat.co_weights)
    other_role = rng.choice(np.array(["SS", "C", "C", "C"]), other_case.size)
    drug_case = np.concatenate([np.arange(n), other_case])
    drug_idx = np.concatenate([ps, other_drug])
    role = np.concatenate([np.full(n, "PS"), other_role])
    drugs = pd.DataFrame({"case": drug_case, "drug": drug_idx, "role": role})
    drugs["role_order"] = drugs["role"].map({"PS": 0, "SS": 1, "C": 2})
    drugs = drugs.drop_duplicates(["case", "drug"]).sort_values(["case", "role_order"], kind="stable")
    drugs["drug_seq"] = drugs.groupby("case").cumcount() + 1
    drugs = drugs.reset_index(drop=True)
    # which alemtuzumab: CAMPATH (oncology, transplant) or LEMTRADA (MS)
    alemtuzumab = np.flatnonzero(cat.ingredients == "ALEMTUZUMAB")
    drugs["campath"] = (drugs["drug"].to_numpy() == (alemtuzumab[0] if alemtuzumab.size else -1)) \
        & (rng.random(len(drugs)) < CAMPATH_SHARE)

    # Events: background PTs independent of the drug, plus drug-specific PTs for suspect drugs.
    n_pt = rng.choice(np.arange(1, 7), n, p=[0.2, 0.25, 0.2, 0.15, 0.1, 0.1])   # ~3 PTs a report
    ev_case = np.repeat(np.arange(n), n_pt)
    ev_pt = np.empty(ev_case.size, dtype=object)
    ev_drug = ps[ev_case]
    tilted = np.isin(ev_drug, list(cat.pt_p_by_drug))
    plain = np.flatnonzero(~tilted)
    ev_pt[plain] = cat.pts[rng.choice(cat.pts.size, plain.size, p=cat.pt_p)]
    for d in np.unique(ev_drug[tilted]):   # one draw per named primary-suspect drug, from its tilted background
        rows = np.flatnonzero(ev_drug == d)
        ev_pt[rows] = cat.pts[rng.choice(cat.pts.size, rows.size, p=cat.pt_p_by_drug[d])]
    extra_case, extra_pt = [], []
    suspect = drugs[drugs["role"].isin(["PS", "SS"])]
    for ingredient, rates in DRUG_EVENT_RATE.items():
        idx = np.flatnonzero(cat.ingredients == ingredient)
        if idx.size == 0:
            continue
        exposed = suspect[suspect["drug"] == idx[0]]
        groups = [(exposed.loc[~exposed["campath"], "case"].to_numpy(), rates),
                  (exposed.loc[exposed["campath"], "case"].to_numpy(), CAMPATH_EVENT_RATE)]
        for cases, product_rates in groups:
            for pt, p in product_rates.items():
                if quarter < EMERGING_FROM.get((ingredient, pt), ""):
                    continue
                hit = cases[rng.random(cases.size) < p]
                extra_case.append(hit)
                extra_pt.append(np.full(hit.size, pt, dtype=object))
    planted = pd.DataFrame({"case": np.concatenate(extra_case) if extra_case else np.array([], dtype=int),
                            "pt": np.concatenate(extra_pt) if extra_pt else np.array([], dtype=object)})
    # a report describes one episode, with one event date: a case given a late (autoimmune) event is not also
    # given an event of the days after an infusion
    late = planted.loc[planted["pt"].isin(LATE_ONSET_PTS), "case"].unique()
    planted = planted[~(planted["pt"].isin(EARLY_ONSET_PTS) & planted["case"].isin(late))]
    events = pd.DataFrame({"case": np.concatenate([ev_case, planted["case"].to_numpy()]),
                           "pt": np.concatenate([ev_pt, planted["pt"].to_numpy()])}).drop_duplicates()
    events = events.sort_values(["case", "pt"], kind="stable").reset_index(drop=True)

    return _tables(rng, cat, demo, drugs, events)


def _tables(rng, cat: Catalogue, demo: pd.DataFrame, drugs: pd.DataFrame, events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    n = len(demo)
    pid, cid = demo["primaryid"].to_numpy(), demo["caseid"].to_numpy()
    ingredient = cat.ingredients[drugs["drug"].to_numpy()]
    # Names as reporters write them: brand or ingredient, sometimes lower case or with dose text.
    brand_pick = rng.random(len(drugs))
    brand = np.array([cat.brands[d][int(b * len(cat.brands[d]))] for d, b in zip(drugs["drug"], brand_pick, strict=True)], dtype=object)
    # alemtuzumab's brand says which product it is: LEMTRADA for MS, a CAMPATH name otherwise
    campath = drugs["campath"].to_numpy()
    alemtuzumab = ingredient == "ALEMTUZUMAB"
    brand[alemtuzumab & ~campath] = "LEMTRADA"
    brand[campath] = np.array(CAMPATH_BRANDS, dtype=object)[(brand_pick[campath] * len(CAMPATH_BRANDS)).astype(int)]
    name = np.where(rng.random(len(drugs)) < 0.6, brand, ingredient.astype(object))
    style = rng.random(len(drugs))
    name = np.where(style < 0.08, np.char.lower(name.astype(str)).astype(object),
                    np.where(style < 0.14, np.char.title(name.astype(str)).astype(object), name))
    dose = rng.random(len(drugs)) < 0.12
    name = np.where(dose, name.astype(str) + np.array(DOSE_TEXT, dtype=object)[rng.integers(0, len(DOSE_TEXT), len(drugs))], name)
    prod_ai = np.where(rng.random(len(drugs)) < 0.82, ingredient.astype(object), None)
    # Some concomitant products nobody can code: they stay unmapped, as in real data.
    vague = (drugs["role"].to_numpy() == "C") & (prod_ai == None) & (rng.random(len(drugs)) < 0.15)  # noqa: E711
    name = np.where(vague, np.array(UNCODABLE, dtype=object)[rng.integers(0, len(UNCODABLE), len(drugs))], name)
    c = drugs["case"].to_numpy()
    drug = pd.DataFrame({
        "primaryid": pid[c], "caseid": cid[c], "drug_seq": drugs["drug_seq"].to_numpy(), "role_cod": drugs["role"].to_numpy(),
        "drugname": name, "prod_ai": prod_ai, "val_vbm": 1,
        "route": rng.choice(np.array(["Intravenous", "Oral", "Subcutaneous", "Unknown"]), len(drugs)),
        "dechal": rng.choice(np.array(["U", "D", "Y", "N"]), len(drugs)), "rechal": "U",
    })
    e = events["case"].to_numpy()
    reac = pd.DataFrame({"primaryid": pid[e], "caseid": cid[e], "pt": events["pt"].to_numpy()})
    # Reporters still send former PTs: a third of immune thrombocytopenia reports arrive under the name MedDRA used
    # before (now an LLT of that PT), as in real FAERS. Chosen by id, not drawn, so no other value moves.
    former = (reac["pt"] == "Immune thrombocytopenia").to_numpy() & (reac["primaryid"].to_numpy().astype(np.int64) % 3 == 0)
    reac.loc[former, "pt"] = "Idiopathic thrombocytopenic purpura"
    n_out = rng.choice(3, n, p=[0.4, 0.45, 0.15])
    oc = np.repeat(np.arange(n), n_out)
    outc = pd.DataFrame({"primaryid": pid[oc], "caseid": cid[oc],
                         "outc_cod": OUTCOMES[rng.choice(OUTCOMES.size, oc.size, p=OUTCOME_P / OUTCOME_P.sum())]})
    outc = outc.drop_duplicates()
    rc = np.flatnonzero(rng.random(n) < 0.1)
    rpsr = pd.DataFrame({"primaryid": pid[rc], "caseid": cid[rc],
                         "rpsr_cod": rng.choice(np.array(["HP", "CSM", "FGN", "SDY", "LIT"]), rc.size)})
    ps_rows = drug[drug["role_cod"] == "PS"]
    start = therapy_start(demo, events)[pd.Index(pid).get_indexer(ps_rows["primaryid"])]
    ther = pd.DataFrame({"primaryid": ps_rows["primaryid"].to_numpy(), "caseid": ps_rows["caseid"].to_numpy(),
                         "dsg_drug_seq": ps_rows["drug_seq"].to_numpy(),
                         "start_dt": np.where(rng.random(len(ps_rows)) < 0.5, start, None)})
    indi = _indications(rng, drug, ingredient, campath)
    return {"DEMO": demo, "DRUG": drug, "REAC": reac, "OUTC": outc, "RPSR": rpsr, "THER": ther, "INDI": indi}


def _indications(rng, drug: pd.DataFrame, ingredient: np.ndarray, campath: np.ndarray) -> pd.DataFrame:
    """INDI: the indication of every drug pv knows one for (drawn when it has several; CAMPATH's from oncology and
    transplant), and FAERS's placeholder for a primary suspect without one."""
    pick = rng.random(len(drug))
    known = [INDICATION.get(i) for i in ingredient]
    indication = np.array([k[int(u * len(k))] if isinstance(k, list) else k for k, u in zip(known, pick, strict=True)],
                          dtype=object)
    indication[campath] = np.array(CAMPATH_INDICATIONS, dtype=object)[(pick[campath] * len(CAMPATH_INDICATIONS)).astype(int)]
    unknown_ps = (indication == None) & (drug["role_cod"].to_numpy() == "PS")  # noqa: E711
    indication[unknown_ps] = "Product used for unknown indication"
    keep = indication != None  # noqa: E711
    return pd.DataFrame({"primaryid": drug["primaryid"].to_numpy()[keep], "caseid": drug["caseid"].to_numpy()[keep],
                         "indi_drug_seq": drug["drug_seq"].to_numpy()[keep], "indi_pt": indication[keep]})
