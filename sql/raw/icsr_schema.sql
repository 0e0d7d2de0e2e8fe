-- Raw layer for individual case safety reports delivered as records rather than quarterly tables: openFDA's
-- drug-event JSON, ICH E2B(R3) XML (HL7 v3) and E2B(R2) XML (ichicsr). One load is one file.
-- Every value is text as delivered (codes stay codes); the standardized layer decodes and casts. Field names follow
-- E2B(R2), which openFDA's JSON keeps; the E2B(R3) data element each column holds is named beside it.
-- Lineage on every row: load_id (-> ingest_log), source_file, source_sha256, record_no (the report's ordinal in
-- its file, 1-based: the key that ties a report's drugs, reactions and labs to it) and line_no (the line of the
-- file where the report starts). extra_fields keeps, as JSON, what a report carries that no column holds.

create table if not exists raw_icsr_report (
    format            varchar,   -- openfda | e2b_r3 | e2b_r2
    report_id         varchar,   -- openFDA/R2 safetyreportid; R3 C.1.1 (sender's safety report id)
    case_key          varchar,   -- the case across versions: R3 C.1.8.1 worldwide unique case id; R2 its
                                 -- worldwideuniquecaseidentificationnumber, else safetyreportid; openFDA safetyreportid
    report_version    varchar,   -- openFDA/R2 safetyreportversion (R3 has none: C.1.5 orders versions)
    first_received    varchar,   -- receivedate; R3 C.1.4
    most_recent       varchar,   -- receiptdate; R3 C.1.5 (date of most recent information)
    created           varchar,   -- transmissiondate; R3 C.1.2 (date of creation)
    report_type       varchar,   -- reporttype; R3 C.1.3 (1 spontaneous, 2 study, 3 other, 4 not available)
    serious           varchar,   -- 1 yes, 2 no (R3: derived from the reactions' E.i.3.2 flags)
    seriousness_death varchar, seriousness_life_threatening varchar, seriousness_hospitalization varchar,
    seriousness_disabling varchar, seriousness_congenital_anomaly varchar, seriousness_other varchar,
    reporter_qualification varchar,   -- primarysource.qualification; R3 C.2.r.4 (1 physician ... 5 consumer)
    reporter_country  varchar,   -- primarysource.reportercountry; R3 C.2.r.3
    occur_country     varchar,   -- occurcountry; R3 E.i.9 of the first reaction
    sender_organization varchar,
    company_number    varchar,   -- companynumb
    age               varchar,   -- patientonsetage; R3 D.2.2a
    age_unit          varchar,   -- patientonsetageunit 800-805; R3 D.2.2b (UCUM: a, mo, wk, d, h, min, 10.a)
    sex               varchar,   -- patientsex; R3 D.5 (0 unknown, 1 male, 2 female)
    weight            varchar,   -- patientweight (kg); R3 D.3
    duplicate         varchar,   -- openFDA duplicate: 1 when other ids are known for the report
    duplicate_numbers varchar,   -- JSON list of {source, number}: reportduplicate; R3 C.1.9.1.r
    narrative         varchar,   -- summary.narrativeincludeclinical; R3 H.1, kept whole
    extra_fields      varchar,
    load_id integer, source_file varchar, source_sha256 varchar, record_no bigint, line_no bigint
);

create table if not exists raw_icsr_drug (
    drug_seq          bigint,    -- the drug's place in the report, 1-based
    characterization  varchar,   -- drugcharacterization; R3 G.k.1: 1 suspect, 2 concomitant, 3 interacting,
                                 -- 4 drug not administered
    medicinal_product varchar,   -- medicinalproduct; R3 G.k.2.2
    active_substances varchar,   -- activesubstance.activesubstancename; R3 the G.k.2.3.r.1 names joined by '\'
    openfda_generic_name varchar, openfda_substance_name varchar, openfda_rxcui varchar, openfda_unii varchar,
                                 -- openFDA's harmonisation block, JSON lists as delivered
    indication        varchar,   -- drugindication; R3 G.k.7.r.1 (or the MedDRA code of G.k.7.r.2b)
    start_date        varchar,   -- drugstartdate; R3 G.k.4.r.4
    end_date          varchar,   -- drugenddate; R3 G.k.4.r.5
    route             varchar,   -- drugadministrationroute; R3 G.k.4.r.10
    dose_text         varchar,   -- drugdosagetext; R3 G.k.4.r.8
    action_taken      varchar,   -- actiondrug; R3 G.k.8
    extra_fields      varchar,
    load_id integer, source_file varchar, source_sha256 varchar, record_no bigint, line_no bigint
);

create table if not exists raw_icsr_reaction (
    reaction_seq      bigint,
    term              varchar,   -- reactionmeddrapt (a PT name); R3 E.i.2.1b (an LLT code)
    meddra_version    varchar,   -- reactionmeddraversionpt; R3 E.i.2.1a
    reported_term     varchar,   -- R3 E.i.1.1a as reported (or its translation E.i.1.2)
    outcome           varchar,   -- reactionoutcome; R3 E.i.7 (1 recovered ... 5 fatal, 6 unknown)
    onset_date        varchar,   -- R3 E.i.4
    extra_fields      varchar,
    load_id integer, source_file varchar, source_sha256 varchar, record_no bigint, line_no bigint
);

-- Lab results (E2B F.r; R2 patient.test): what FAERS's ASCII files never carry.
create table if not exists raw_icsr_lab (
    lab_seq           bigint,
    test_name         varchar,   -- R3 F.r.2.1 (free text); R2 testname
    test_code         varchar,   -- R3 F.r.2.2b (MedDRA LLT code)
    meddra_version    varchar,   -- R3 F.r.2.2a
    test_date         varchar,   -- R3 F.r.1; R2 testdate
    value             varchar,   -- R3 F.r.3.2; R2 testresult
    value_qualifier   varchar,   -- <, <=, >, >= when the result is a bound (R3 IVL_PQ low/high), else null
    unit              varchar,   -- R3 F.r.3.3 (UCUM); R2 testunit
    normal_low        varchar,   -- R3 F.r.4; R2 lowtestrange
    normal_high       varchar,   -- R3 F.r.5; R2 hightestrange
    result_code       varchar,   -- R3 F.r.3.1 (1 positive, 2 negative, 3 borderline, 4 inconclusive)
    result_text       varchar,   -- R3 F.r.3.4 (unstructured result)
    comments          varchar,   -- R3 F.r.6
    extra_fields      varchar,
    load_id integer, source_file varchar, source_sha256 varchar, record_no bigint, line_no bigint
);
