"""An invented MedDRA-format release for the demo, the tests and the benchmarks. IT IS NOT MEDDRA.

MedDRA is licensed by the MSSO and never ships with pv. To show the hierarchy and SMQ levels on the synthetic
sample data, and to test the loader, this module writes a small release *in MedDRA's file format* with
**invented codes** (9xxxxxxx, which MedDRA does not use) and an invented hierarchy: PT names are those the sample
data reports, the groupings above them are made up for illustration and do not reproduce MedDRA's. The version
is ``90.0`` and the language ``Invented demo, not MedDRA``, so a database never mistakes it for a real release.

``write(folder)`` writes ``MedAscii/*.asc`` under ``folder`` (``sample_data/meddra_demo`` is its output);
``synthetic_events`` adds a hierarchy for ``pv synth``'s made-up tail of events, for benchmarks at scale.
"""

from __future__ import annotations

from pathlib import Path

VERSION, LANGUAGE = "90.0", "Invented demo, not MedDRA"
NOTICE = ("Invented for pv's demo and tests: NOT MedDRA. Codes are made up (9xxxxxxx); the groupings above the PTs "
          "do not reproduce MedDRA's. Load your own licensed MedDRA for real work.")

SOCS = {  # name -> abbreviation
    "Blood and lymphatic system disorders": "Blood", "Cardiac disorders": "Card", "Endocrine disorders": "Endo",
    "Eye disorders": "Eye", "Gastrointestinal disorders": "Gastr",
    "General disorders and administration site conditions": "Genrl", "Hepatobiliary disorders": "Hepat",
    "Immune system disorders": "Immun", "Infections and infestations": "Infec",
    "Injury, poisoning and procedural complications": "Inj&P", "Investigations": "Inv",
    "Metabolism and nutrition disorders": "Metab", "Musculoskeletal and connective tissue disorders": "Musc",
    "Neoplasms benign, malignant and unspecified (incl cysts and polyps)": "Neopl",
    "Nervous system disorders": "Nerv", "Product issues": "Prod", "Psychiatric disorders": "Psych",
    "Renal and urinary disorders": "Renal", "Respiratory, thoracic and mediastinal disorders": "Resp",
    "Skin and subcutaneous tissue disorders": "Skin", "Vascular disorders": "Vasc",
    "Surgical and medical procedures": "Surg", "Social circumstances": "SocCi",
}
# SOC abbreviation | HLGT | HLT | PTs (';'). A PT's first line is its primary path; later lines make it
# multi-axial.
HIERARCHY = """
Blood | Anaemias nonhaemolytic and marrow depression | Anaemias NEC | Anaemia
Blood | Anaemias nonhaemolytic and marrow depression | Marrow depression and hypoplastic anaemias | Aplastic anaemia; Autoimmune aplastic anaemia; Bone marrow failure; Pancytopenia
Blood | Haemolyses and related conditions | Haemolyses immune | Autoimmune haemolytic anaemia; Coombs positive haemolytic anaemia; Warm type haemolytic anaemia; Cold type haemolytic anaemia; Evans syndrome
Blood | Haemolyses and related conditions | Thrombotic microangiopathies | Thrombotic thrombocytopenic purpura; Thrombotic microangiopathy; Haemolytic uraemic syndrome; Atypical haemolytic uraemic syndrome
Blood | Platelet disorders | Thrombocytopenias | Thrombocytopenia; Immune thrombocytopenia; Thrombocytopenic purpura
Blood | White blood cell disorders | Neutropenias | Neutropenia; Febrile neutropenia; Agranulocytosis; Autoimmune neutropenia
Blood | White blood cell disorders | Lymphopenias | Lymphopenia
Blood | White blood cell disorders | Leukopenias NEC | Leukopenia
Blood | Coagulopathies and bleeding diatheses | Coagulation factor deficiencies | Acquired haemophilia
Card | Cardiac arrhythmias | Rate and rhythm disorders NEC | Palpitations; Tachycardia; Bradycardia
Card | Cardiac arrhythmias | Supraventricular arrhythmias | Atrial fibrillation
Card | Coronary artery disorders | Ischaemic coronary artery disorders | Myocardial infarction; Acute myocardial infarction; Myocardial ischaemia; Acute coronary syndrome
Endo | Thyroid gland disorders | Thyroid hyperfunction disorders | Hyperthyroidism; Basedow's disease; Primary hyperthyroidism; Thyrotoxic crisis; Immune-mediated hyperthyroidism
Endo | Thyroid gland disorders | Thyroid hypofunction disorders | Hypothyroidism; Autoimmune hypothyroidism; Primary hypothyroidism; Immune-mediated hypothyroidism; Atrophic thyroiditis
Endo | Thyroid gland disorders | Acute and chronic thyroiditis | Autoimmune thyroiditis; Thyroiditis; Thyroiditis subacute; Silent thyroiditis
Endo | Thyroid gland disorders | Thyroid disorders NEC | Autoimmune thyroid disorder
Eye | Vision disorders | Visual disorders NEC | Vision blurred; Visual impairment
Eye | Ocular structural change | Retinal oedema | Macular oedema
Eye | Eyelid, orbit and lacrimal disorders | Orbital disorders | Endocrine ophthalmopathy
Gastr | Gastrointestinal signs and symptoms | Nausea and vomiting symptoms | Nausea; Vomiting
Gastr | Gastrointestinal signs and symptoms | Diarrhoea (excl infective) | Diarrhoea
Gastr | Gastrointestinal signs and symptoms | Gastrointestinal and abdominal pains (excl oral and throat) | Abdominal pain; Abdominal pain upper
Gastr | Gastrointestinal motility and defaecation conditions | Gastrointestinal atonic and hypomotility disorders NEC | Constipation
Gastr | Oral soft tissue conditions | Salivary gland conditions NEC | Dry mouth
Gastr | Exocrine pancreas conditions | Acute and chronic pancreatitis | Pancreatitis
Genrl | General system disorders NEC | Asthenic conditions | Fatigue; Asthenia; Malaise
Genrl | General system disorders NEC | Pain and discomfort NEC | Pain; Chest pain; Chest discomfort
Genrl | General system disorders NEC | Febrile disorders | Pyrexia
Genrl | General system disorders NEC | Feelings and sensations NEC | Feeling abnormal; Chills
Genrl | General system disorders NEC | Oedema NEC | Oedema peripheral
Genrl | General system disorders NEC | Disease progression and aggravation NEC | Condition aggravated
Genrl | General system disorders NEC | Therapeutic and nontherapeutic effects (excl toxicity) | Drug ineffective; Drug effect decreased; Therapy non-responder
Genrl | General system disorders NEC | Influenza like illness | Influenza like illness
Genrl | Fatal outcomes | Death and sudden death | Death
Genrl | Administration site reactions | Injection site reactions | Injection site pain; Injection site erythema; Injection site reaction
Genrl | Administration site reactions | Infusion site reactions | Infusion site reaction
Hepat | Hepatic and hepatobiliary disorders | Hepatocellular damage and hepatitis NEC | Autoimmune hepatitis; Immune-mediated hepatitis
Immun | Allergic conditions | Anaphylactic and anaphylactoid responses | Anaphylactic reaction; Anaphylactic shock; Anaphylactoid reaction; Anaphylactoid shock
Immun | Allergic conditions | Allergic conditions NEC | Hypersensitivity; Drug hypersensitivity
Immun | Immune disorders NEC | Autoimmune disorders NEC | Autoimmune disorder; Sarcoidosis; Still's disease
Immun | Immune disorders NEC | Immune and associated conditions NEC | Cytokine release syndrome; Haemophagocytic lymphohistiocytosis
Immun | Autoimmune disorders | Endocrine autoimmune disorders | Basedow's disease; Autoimmune thyroiditis; Autoimmune hypothyroidism; Type 1 diabetes mellitus
Infec | Viral infectious disorders | Herpes viral infections | Herpes simplex; Oral herpes; Genital herpes; Herpes simplex encephalitis; Herpes simplex reactivation; Eczema herpeticum; Herpes simplex hepatitis; Herpes virus infection
Infec | Viral infectious disorders | Varicella zoster viral infections | Herpes zoster; Varicella zoster virus infection; Varicella; Herpes zoster disseminated; Herpes zoster meningitis; Herpes zoster meningoencephalitis; Herpes zoster oticus; Ophthalmic herpes zoster; Herpes zoster reactivation
Infec | Viral infectious disorders | Cytomegaloviral infections | Cytomegalovirus infection; Cytomegalovirus viraemia; Cytomegalovirus infection reactivation; Cytomegalovirus colitis; Pneumonia cytomegaloviral; Cytomegalovirus chorioretinitis; Cytomegalovirus hepatitis
Infec | Viral infectious disorders | Polyomavirus infections | Progressive multifocal leukoencephalopathy; JC virus infection; JC virus granule cell neuronopathy; BK virus infection; Polyomavirus-associated nephropathy
Infec | Viral infectious disorders | Epstein-Barr viral infections | Epstein-Barr virus infection; Epstein-Barr virus infection reactivation
Infec | Viral infectious disorders | Hepatitis viral infections | Hepatitis B reactivation
Infec | Viral infectious disorders | Papilloma viral infections | Human papilloma virus infection
Infec | Viral infectious disorders | Influenza viral infections | Influenza
Infec | Bacterial infectious disorders | Listeria infections | Listeriosis; Listeria sepsis; Meningitis listeria; Listeria encephalitis
Infec | Bacterial infectious disorders | Mycobacterial infections | Tuberculosis; Pulmonary tuberculosis; Latent tuberculosis; Disseminated tuberculosis; Extrapulmonary tuberculosis; Tuberculous pleurisy; Tuberculosis of central nervous system
Infec | Bacterial infectious disorders | Actinomycetal infections | Nocardiosis; Pulmonary nocardiosis
Infec | Fungal infectious disorders | Cryptococcal infections | Cryptococcosis; Meningitis cryptococcal; Disseminated cryptococcosis; Cryptococcal fungaemia; Pulmonary cryptococcosis
Infec | Fungal infectious disorders | Pneumocystis infections | Pneumocystis jirovecii pneumonia; Pneumocystis jirovecii infection
Infec | Fungal infectious disorders | Aspergillus infections | Aspergillus infection; Bronchopulmonary aspergillosis
Infec | Fungal infectious disorders | Candida infections | Oesophageal candidiasis
Infec | Protozoal infectious disorders | Toxoplasma infections | Toxoplasmosis
Infec | Infections - pathogen unspecified | Infections NEC | Opportunistic infection; Sepsis; Cellulitis; Urinary tract infection
Infec | Infections - pathogen unspecified | Lower respiratory tract and lung infections | Pneumonia; Bronchitis
Infec | Infections - pathogen unspecified | Upper respiratory tract infections | Nasopharyngitis; Sinusitis
Inj&P | Medication errors and other product use errors and issues | Product administration errors and issues | Product dose omission issue; Intentional product misuse
Inj&P | Medication errors and other product use errors and issues | Off label uses | Off label use
Inj&P | Procedural related injuries and complications NEC | Infusion related reactions | Infusion related reaction
Inj&P | Injuries NEC | Non-site specific injuries NEC | Fall
Inj&P | Injuries NEC | Muscle, tendon and ligament injuries | Tendon rupture
Inv | Haematology investigations (incl blood groups) | White blood cell analyses | Lymphocyte count decreased; CD4 lymphocytes decreased; T-lymphocyte count decreased; B-lymphocyte count decreased; Neutrophil count decreased; White blood cell count decreased
Inv | Haematology investigations (incl blood groups) | Platelet analyses | Platelet count decreased
Inv | Haematology investigations (incl blood groups) | Coagulation and bleeding analyses | International normalised ratio increased
Inv | Hepatobiliary investigations | Liver function analyses | Hepatic enzyme increased; Alanine aminotransferase increased
Inv | Metabolic, nutritional and blood gas investigations | Carbohydrate tolerance analyses (incl diabetes) | Blood glucose increased
Inv | Physical examination and organ system status topics | Physical examination procedures and organ system status | Weight decreased; Weight increased
Inv | Immunology and allergy investigations | Viral identification and serology | JC polyomavirus test positive
Inv | Immunology and allergy investigations | Autoimmunity analyses | Anti-glomerular basement membrane antibody positive
Metab | Appetite and general nutritional disorders | Appetite disorders | Decreased appetite
Metab | Electrolyte and fluid balance conditions | Total fluid volume decreased | Dehydration
Metab | Acid-base disorders | Metabolic acidoses (excl diabetic acidoses) | Lactic acidosis
Metab | Glucose metabolism disorders (incl diabetes mellitus) | Diabetes mellitus (incl subtypes) | Type 1 diabetes mellitus
Musc | Musculoskeletal and connective tissue disorders NEC | Musculoskeletal and connective tissue pain and discomfort | Arthralgia; Back pain; Pain in extremity; Myalgia
Musc | Muscle disorders | Muscle related signs and symptoms NEC | Muscle spasms
Musc | Muscle disorders | Myopathies | Rhabdomyolysis
Neopl | Lymphomas NEC | Lymphomas unspecified NEC | Lymphoma; Central nervous system lymphoma
Neopl | Lymphomas non-Hodgkin's B-cell | B-cell lymphomas NEC | B-cell lymphoma; Diffuse large B-cell lymphoma
Neopl | Lymphomas Hodgkin's disease | Hodgkin's disease NEC | Hodgkin's disease
Neopl | Haematopoietic neoplasms (excl leukaemias and lymphomas) | Lymphoproliferative disorders NEC | Lymphoproliferative disorder; Epstein-Barr virus associated lymphoproliferative disorder
Neopl | Endocrine neoplasms malignant and unspecified | Thyroid neoplasms malignant | Thyroid cancer; Papillary thyroid cancer; Follicular thyroid cancer; Medullary thyroid cancer
Neopl | Skin neoplasms malignant and unspecified (excl melanoma) | Melanomas | Malignant melanoma; Malignant melanoma in situ; Metastatic malignant melanoma
Nerv | Headaches | Headaches NEC | Headache; Thunderclap headache
Nerv | Neurological disorders NEC | Neurological signs and symptoms NEC | Dizziness; Somnolence; Syncope; Loss of consciousness; Memory impairment; Dysgeusia
Nerv | Neurological disorders NEC | Paraesthesias and dysaesthesias | Paraesthesia; Hypoaesthesia
Nerv | Movement disorders (incl parkinsonism) | Tremor (excl congenital) | Tremor
Nerv | Neurological disorders NEC | Gait disturbances | Gait disturbance
Nerv | Seizures (incl subtypes) | Seizures and seizure disorders NEC | Seizure
Nerv | Demyelinating disorders | Multiple sclerosis acute and progressive | Multiple sclerosis relapse
Nerv | Peripheral neuropathies | Acute polyneuropathies | Guillain-Barre syndrome
Nerv | Peripheral neuropathies | Chronic polyneuropathies | Chronic inflammatory demyelinating polyradiculoneuropathy
Nerv | Neuromuscular junction dysfunction | Myasthenias | Myasthenia gravis
Nerv | Encephalopathies | Encephalopathies NEC | Posterior reversible encephalopathy syndrome; Encephalitis autoimmune
Nerv | Central nervous system vascular disorders | Central nervous system haemorrhages and cerebrovascular accidents | Cerebrovascular accident; Subarachnoid haemorrhage; Cerebral haemorrhage; Haemorrhagic stroke; Haemorrhage intracranial; Intraventricular haemorrhage; Haemorrhagic transformation stroke
Nerv | Central nervous system vascular disorders | Cerebrovascular and spinal necrosis and vascular insufficiency | Ischaemic stroke; Cerebral infarction; Embolic stroke; Thrombotic stroke; Lacunar infarction; Transient ischaemic attack; Cerebral ischaemia
Nerv | Central nervous system vascular disorders | Central nervous system vascular disorders NEC | Reversible cerebral vasoconstriction syndrome; Cerebral vasoconstriction; Cerebral artery dissection
Nerv | Central nervous system infections and inflammations | Central nervous system viral infections | Herpes simplex encephalitis; Progressive multifocal leukoencephalopathy; Herpes zoster meningoencephalitis
Psych | Sleep disorders and disturbances | Disturbances in initiating and maintaining sleep | Insomnia
Psych | Anxiety disorders and symptoms | Anxiety symptoms | Anxiety
Psych | Depressed mood disorders and disturbances | Depressive disorders | Depression
Psych | Deliria (incl confusion) | Confusion and disorientation | Confusional state
Renal | Nephropathies | Glomerulonephritis and nephrotic syndrome | Anti-glomerular basement membrane disease; Goodpasture's syndrome; Glomerulonephritis membranous; Glomerulonephritis rapidly progressive; Glomerulonephritis
Renal | Renal disorders (excl nephropathies) | Renal failure and impairment | Acute kidney injury
Resp | Respiratory disorders NEC | Breathing abnormalities | Dyspnoea
Resp | Respiratory disorders NEC | Coughing and associated symptoms | Cough
Resp | Lower respiratory tract disorders (excl obstruction and infection) | Lower respiratory tract inflammatory and immunologic conditions | Pneumonitis
Resp | Respiratory tract haemorrhages | Pulmonary haemorrhages | Pulmonary alveolar haemorrhage; Pulmonary haemorrhage
Resp | Pulmonary vascular disorders | Pulmonary thromboses and pulmonary embolism | Pulmonary embolism
Skin | Epidermal and dermal conditions | Rashes, eruptions and exanthems NEC | Rash; Rash pruritic; Rash erythematous
Skin | Epidermal and dermal conditions | Pruritus NEC | Pruritus
Skin | Epidermal and dermal conditions | Erythemas | Erythema
Skin | Angioedema and urticaria | Urticarias | Urticaria
Skin | Angioedema and urticaria | Angioedemas | Angioedema
Skin | Skin appendage conditions | Alopecias | Alopecia; Alopecia areata
Skin | Skin appendage conditions | Apocrine and eccrine gland disorders | Hyperhidrosis
Skin | Pigmentation disorders | Hypopigmentation disorders | Vitiligo
Surg | Therapeutic procedures and supportive care NEC | Hospitalisation | Hospitalisation
Vasc | Decreased and nonspecific blood pressure disorders and shock | Circulatory collapse and shock | Hypotension
Vasc | Vascular hypertensive disorders | Vascular hypertensive disorders NEC | Hypertension
Vasc | Vascular disorders NEC | Peripheral vasoconstriction, necrosis and vascular insufficiency | Flushing
Vasc | Vascular haemorrhagic disorders | Haemorrhages NEC | Haemorrhage
Vasc | Embolism and thrombosis | Venous thrombosis | Deep vein thrombosis
Vasc | Arteriosclerosis, stenosis, vascular insufficiency and necrosis | Arterial dissections | Carotid artery dissection; Vertebral artery dissection; Arterial dissection; Cerebral artery dissection
Nerv | Demyelinating disorders | Multiple sclerosis acute and progressive | Multiple sclerosis; Relapsing-remitting multiple sclerosis
Gastr | Gastrointestinal inflammatory conditions | Colitis (excl infective) | Crohn's disease
Neopl | Leukaemias | Chronic lymphocytic leukaemias | Chronic lymphocytic leukaemia
Surg | Therapeutic procedures and supportive care NEC | Transplant rejection prophylaxis | Prophylaxis against transplant rejection
Musc | Joint disorders | Rheumatoid arthropathies | Rheumatoid arthritis
Musc | Joint disorders | Psoriatic arthropathies | Psoriatic arthropathy
Metab | Glucose metabolism disorders (incl diabetes mellitus) | Diabetes mellitus (incl subtypes) | Type 2 diabetes mellitus
Metab | Lipid metabolism and deposit disorders | Elevated cholesterol | Hypercholesterolaemia
Inj&P | Medication errors and other product use errors and issues | Product use issues NEC | Product used for unknown indication
"""
# LLTs other than the PTs themselves: (LLT name, its PT, current Y/N). Former PTs and spelling variants.
LLTS = [
    ("Idiopathic thrombocytopenic purpura", "Immune thrombocytopenia", "Y"),
    ("Autoimmune thrombocytopenia", "Immune thrombocytopenia", "Y"),
    ("Graves' disease", "Basedow's disease", "Y"),
    ("Pneumocystis jiroveci pneumonia", "Pneumocystis jirovecii pneumonia", "Y"),
    ("Pneumocystis carinii pneumonia", "Pneumocystis jirovecii pneumonia", "N"),
    ("Cryptococcal meningitis", "Meningitis cryptococcal", "Y"),
    ("Warm autoimmune haemolytic anaemia", "Warm type haemolytic anaemia", "Y"),
    ("Autoimmune encephalitis", "Encephalitis autoimmune", "Y"),
    ("Membranous nephropathy", "Glomerulonephritis membranous", "Y"),
    ("Infusion reaction", "Infusion related reaction", "Y"),
    ("Hemorrhage", "Haemorrhage", "Y"),
    ("Fever", "Pyrexia", "Y"),
    ("Hives", "Urticaria", "Y"),
    ("Shingles", "Herpes zoster", "Y"),
    ("INR increased", "International normalised ratio increased", "Y"),
    ("Sick", "Malaise", "N"),
]
# SMQs: name -> (algorithm, parent or None, [(term, scope 2 narrow / 1 broad, category, level 4 PT / 5 LLT,
# status)]). A parent lists no terms of its own here: it holds its sub-SMQs.
SMQS = {
    "Anaphylactic reaction (SMQ)": ("A or (B and C) or (B and D)", None, [
        ("Anaphylactic reaction", 2, "A", 4, "A"), ("Anaphylactic shock", 2, "A", 4, "A"),
        ("Anaphylactoid reaction", 2, "A", 4, "A"), ("Anaphylactoid shock", 2, "A", 4, "A"),
        ("Dyspnoea", 1, "B", 4, "A"), ("Urticaria", 1, "C", 4, "A"), ("Hives", 1, "C", 5, "A"),
        ("Angioedema", 1, "C", 4, "A"), ("Pruritus", 1, "C", 4, "A"), ("Flushing", 1, "C", 4, "A"),
        ("Hypotension", 1, "D", 4, "A"), ("Rash", 1, "C", 4, "I")]),
    "Central nervous system vascular disorders (SMQ)": ("N", None, []),
    "Haemorrhagic central nervous system vascular conditions (SMQ)": (
        "N", "Central nervous system vascular disorders (SMQ)", [
            ("Subarachnoid haemorrhage", 2, "A", 4, "A"), ("Cerebral haemorrhage", 2, "A", 4, "A"),
            ("Haemorrhagic stroke", 2, "A", 4, "A"), ("Haemorrhage intracranial", 2, "A", 4, "A"),
            ("Intraventricular haemorrhage", 2, "A", 4, "A"), ("Haemorrhagic transformation stroke", 2, "A", 4, "A"),
            ("Cerebrovascular accident", 1, "A", 4, "A")]),
    "Ischaemic central nervous system vascular conditions (SMQ)": (
        "N", "Central nervous system vascular disorders (SMQ)", [
            ("Ischaemic stroke", 2, "A", 4, "A"), ("Cerebral infarction", 2, "A", 4, "A"),
            ("Embolic stroke", 2, "A", 4, "A"), ("Thrombotic stroke", 2, "A", 4, "A"),
            ("Lacunar infarction", 2, "A", 4, "A"), ("Transient ischaemic attack", 2, "A", 4, "A"),
            ("Cerebral ischaemia", 2, "A", 4, "A"), ("Cerebrovascular accident", 1, "A", 4, "A"),
            ("Reversible cerebral vasoconstriction syndrome", 1, "A", 4, "A")]),
    "Thyroid dysfunction (SMQ)": ("N", None, []),
    "Hyperthyroidism (SMQ)": ("N", "Thyroid dysfunction (SMQ)", [
        ("Hyperthyroidism", 2, "A", 4, "A"), ("Basedow's disease", 2, "A", 4, "A"), ("Graves' disease", 2, "A", 5, "A"),
        ("Thyrotoxic crisis", 2, "A", 4, "A"), ("Primary hyperthyroidism", 2, "A", 4, "A"),
        ("Endocrine ophthalmopathy", 1, "A", 4, "A"), ("Thyroiditis", 1, "A", 4, "A")]),
    "Hypothyroidism (SMQ)": ("N", "Thyroid dysfunction (SMQ)", [
        ("Hypothyroidism", 2, "A", 4, "A"), ("Autoimmune hypothyroidism", 2, "A", 4, "A"),
        ("Primary hypothyroidism", 2, "A", 4, "A"), ("Atrophic thyroiditis", 2, "A", 4, "A"),
        ("Autoimmune thyroiditis", 1, "A", 4, "A"), ("Thyroiditis", 1, "A", 4, "A")]),
    "Opportunistic infections (SMQ)": ("N", None, [
        ("Progressive multifocal leukoencephalopathy", 2, "A", 4, "A"),
        ("Pneumocystis jirovecii pneumonia", 2, "A", 4, "A"), ("Listeriosis", 2, "A", 4, "A"),
        ("Meningitis cryptococcal", 2, "A", 4, "A"), ("Cytomegalovirus infection", 2, "A", 4, "A"),
        ("Herpes zoster disseminated", 2, "A", 4, "A"), ("Herpes simplex encephalitis", 2, "A", 4, "A"),
        ("Nocardiosis", 2, "A", 4, "A"), ("Toxoplasmosis", 2, "A", 4, "A"),
        ("Herpes zoster", 1, "A", 4, "A"), ("Herpes simplex", 1, "A", 4, "A"), ("Sepsis", 1, "A", 4, "A")]),
    "Haemorrhages (SMQ)": ("N", None, [
        ("Haemorrhage", 2, "A", 4, "A"), ("Subarachnoid haemorrhage", 2, "A", 4, "A"),
        ("Cerebral haemorrhage", 2, "A", 4, "A"), ("Pulmonary alveolar haemorrhage", 2, "A", 4, "A"),
        ("International normalised ratio increased", 1, "A", 4, "A")]),
    "Ischaemic heart disease (SMQ)": ("N", None, [
        ("Myocardial infarction", 2, "A", 4, "A"), ("Acute myocardial infarction", 2, "A", 4, "A"),
        ("Myocardial ischaemia", 2, "A", 4, "A"), ("Acute coronary syndrome", 2, "A", 4, "A"),
        ("Chest pain", 1, "A", 4, "A")]),
}


def _rows(extra_events: int = 0):
    soc_names = {abbrev: name for name, abbrev in SOCS.items()}
    paths, pt_primary = [], {}
    for line in HIERARCHY.strip().splitlines():
        soc, hlgt, hlt, pts = (x.strip() for x in line.split("|"))
        for pt in (p.strip() for p in pts.split(";")):
            paths.append((soc_names[soc], hlgt, hlt, pt))
            pt_primary.setdefault(pt, soc_names[soc])
    for i in range(1, extra_events + 1):
        group = (i - 1) // 20 + 1
        paths.append(("General disorders and administration site conditions", f"Synthetic event groups {group // 10:03d}",
                      f"Synthetic event group {group:04d}", f"Synthetic event {i:05d}"))
        pt_primary.setdefault(f"Synthetic event {i:05d}", "General disorders and administration site conditions")
    code = {}

    def code_of(kind: str, name: str, base: int) -> int:
        key = (kind, name)
        if key not in code:
            code[key] = base + sum(1 for k in code if k[0] == kind) + 1
        return code[key]

    for soc in sorted(SOCS):
        code_of("soc", soc, 90100000)
    for _soc, hlgt, hlt, pt in paths:
        code_of("hlgt", hlgt, 90200000)
        code_of("hlt", hlt, 90300000)
        code_of("pt", pt, 90400000)
    return paths, pt_primary, code


def write(folder: str | Path, extra_events: int = 0) -> Path:
    """Write the invented release under ``folder/MedAscii``; returns that folder."""
    out = Path(folder) / "MedAscii"
    out.mkdir(parents=True, exist_ok=True)
    paths, pt_primary, code = _rows(extra_events)
    soc_code = {n: c for (k, n), c in code.items() if k == "soc"}

    def line(*fields) -> str:
        return "".join(f"{'' if f is None else f}$" for f in fields)

    def put(name: str, lines: list[str]) -> None:
        (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")

    pts = sorted({p[3] for p in paths}, key=lambda n: code[("pt", n)])
    put("soc.asc", [line(soc_code[n], n, a, *[None] * 7) for n, a in sorted(SOCS.items(), key=lambda x: soc_code[x[0]])])
    put("pt.asc", [line(code[("pt", p)], p, None, soc_code[pt_primary[p]], *[None] * 7) for p in pts])
    hlts = sorted({p[2] for p in paths}, key=lambda n: code[("hlt", n)])
    hlgts = sorted({p[1] for p in paths}, key=lambda n: code[("hlgt", n)])
    put("hlt.asc", [line(code[("hlt", n)], n, *[None] * 7) for n in hlts])
    put("hlgt.asc", [line(code[("hlgt", n)], n, *[None] * 7) for n in hlgts])
    put("hlt_pt.asc", sorted({line(code[("hlt", p[2])], code[("pt", p[3])]) for p in paths}))
    put("hlgt_hlt.asc", sorted({line(code[("hlgt", p[1])], code[("hlt", p[2])]) for p in paths}))
    put("soc_hlgt.asc", sorted({line(soc_code[p[0]], code[("hlgt", p[1])]) for p in paths}))
    abbrev = SOCS
    put("mdhier.asc", sorted({line(code[("pt", pt)], code[("hlt", hlt)], code[("hlgt", hlgt)], soc_code[soc], pt, hlt,
                                   hlgt, soc, abbrev[soc], None, soc_code[pt_primary[pt]],
                                   "Y" if soc == pt_primary[pt] else "N")
                              for soc, hlgt, hlt, pt in paths}))
    llt_code = {p: code[("pt", p)] for p in pts}
    llt_lines = [line(code[("pt", p)], p, code[("pt", p)], *[None] * 6, "Y", None) for p in pts]
    for i, (name, pt, current) in enumerate(LLTS, start=1):
        llt_code[name] = 90500000 + i
        llt_lines.append(line(90500000 + i, name, code[("pt", pt)], *[None] * 6, current, None))
    put("llt.asc", llt_lines)
    smq_code = {name: 90600001 + i for i, name in enumerate(SMQS)}
    smq_lines, content = [], []
    for name, (algorithm, parent, terms) in SMQS.items():
        level = 2 if parent else 1
        smq_lines.append(line(smq_code[name], name, level, f"{NOTICE} Invented query for the demo.", "Invented.",
                              None, VERSION, "A", algorithm))
        if parent:
            content.append(line(smq_code[parent], smq_code[name], 0, 0, "A", 0, "A", VERSION, VERSION))
        for term, scope, category, term_level, status in terms:
            term_code = code[("pt", term)] if term_level == 4 else llt_code[term]
            content.append(line(smq_code[name], term_code, term_level, scope, category, 0, status, VERSION, VERSION))
    put("smq_list.asc", smq_lines)
    put("smq_content.asc", content)
    put("meddra_release.asc", [line(VERSION, LANGUAGE, None, None)])
    (Path(folder) / "README.md").write_text(
        f"# Invented MedDRA-format release: NOT MedDRA\n\n{NOTICE}\n\nWritten by `pv.meddra.invented.write` for "
        "the synthetic sample data. Load it with `pv meddra load sample_data/meddra_demo` to see the hierarchy "
        "and SMQ levels in the demo. Real work needs your organisation's licensed MedDRA release "
        "(`pv meddra load PATH/TO/MedAscii`).\n", encoding="utf-8")
    return out
