-- Conversions shared by the standardized models (one definition each, like dbt macros).

-- FDA dates are YYYYMMDD, YYYYMM or YYYY text; only a full date becomes a DATE.
create or replace macro faers_date(txt) as
    case when regexp_full_match(trim(txt), '\d{8}') then try_strptime(trim(txt), '%Y%m%d')::date end;

-- Age in years from FAERS age + age_cod (DEC decades, YR, MON, WK, DY, HR). No unit -> unknown.
-- Outside 0-120 years is implausible: kept in the raw layer, unknown here.
-- (A scalar expression, not a subquery: a subquery macro costs a join per use, seconds at 20 M reports.)
create or replace macro age_years_unbounded(age, age_cod) as
    try_cast(trim(age) as double) * case upper(trim(age_cod))
        when 'DEC' then 10.0 when 'YR' then 1.0 when 'MON' then 1.0 / 12 when 'WK' then 7.0 / 365.25
        when 'DY' then 1.0 / 365.25 when 'HR' then 1.0 / 8766 end;
create or replace macro age_in_years(age, age_cod) as
    case when age_years_unbounded(age, age_cod) between 0 and 120 then round(age_years_unbounded(age, age_cod), 3) end;

-- Sex as M / F; UNK, NS and anything else -> unknown.
create or replace macro sex_code(txt) as
    case upper(trim(txt)) when 'F' then 'F' when 'FEMALE' then 'F' when 'M' then 'M' when 'MALE' then 'M' end;

-- MedDRA PT text for matching: trimmed, inner whitespace collapsed, upper case (AERS delivered ALL CAPS,
-- FAERS delivers mixed case; MedDRA itself is case-insensitive).
create or replace macro normalize_pt(txt) as
    nullif(upper(trim(regexp_replace(txt, '\s+', ' ', 'g'))), '');

-- A delivered drug name cleaned for synonym lookup: upper case; parenthetical text, dose/strength and what
-- follows it, dosage-form and route words, and punctuation removed; whitespace collapsed.
-- 'Lemtrada 12 mg/1.2 mL concentrate' -> 'LEMTRADA'; 'TYSABRI (NATALIZUMAB) INJECTION' -> 'TYSABRI'.
create or replace macro clean_drug_name(txt) as (
    with c as (select trim(regexp_replace(regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(upper(txt), '\([^)]*\)|\[[^\]]*\]', ' ', 'g'),
                    '(^|\s)\d+([.,]\d+)?\s*(MG|MCG|UG|G|ML|L|IU|MIU|UNITS?|%|MMOL|MEQ|MG/ML)(\b|/).*$', ' '),
                '\b(TABLETS?|TABS?|CAPSULES?|CAPS?|INJECTION|INJECTABLE|INJ|SOLUTION|SOLN|ORAL|INTRAVENOUS|IV|SC|IM|SUBCUTANEOUS|INTRAMUSCULAR|CONCENTRATE|FOR|INFUSION|POWDER|SUSPENSION|CREAM|OINTMENT|GEL|PATCH|SYRUP|DROPS|SPRAY|PEN|PREFILLED|SYRINGE|VIAL|KIT|FILM[- ]COATED|EXTENDED[- ]RELEASE|DELAYED[- ]RELEASE|ER|XR|SR|XL)\b', ' ', 'g'),
            '[^A-Z0-9/+ -]', ' ', 'g'),
        '\s+', ' ', 'g'), '^[ /+-]+|[ /+-]+$', '', 'g')) as name)
    select case when regexp_matches(name, '[A-Z]') then name end from c
);

-- The key PT text is matched on (category files, PT look-ups): case, spacing, apostrophes and hyphens ignored,
-- British spelling folded to American (haemorrhage = hemorrhage, oedema = edema, goitre = goiter,
-- hospitalisation = hospitalization, tumour = tumor). Both sides of a match go through this one macro.
create or replace macro pt_match_key(txt) as
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        upper(trim(txt)), '[''`’]', '', 'g'), '[-/,]', ' ', 'g'), '\s+', ' ', 'g'),
        'AE|OE', 'E', 'g'), 'ISATION', 'IZATION', 'g'), 'TRE\b', 'TER', 'g'), 'OUR\b', 'OR', 'g');

-- Validation helpers for FDA's partial dates (YYYY, YYYYMM, YYYYMMDD).
-- The earliest day a partial date can mean; null when it is not a valid date of any of the three forms.
create or replace macro faers_date_floor(txt) as
    case
        when regexp_full_match(trim(txt), '\d{8}') then try_strptime(trim(txt), '%Y%m%d')::date
        when regexp_full_match(trim(txt), '\d{6}') then try_strptime(trim(txt) || '01', '%Y%m%d')::date
        when regexp_full_match(trim(txt), '\d{4}') and trim(txt)::int between 1900 and 2100
            then try_strptime(trim(txt) || '0101', '%Y%m%d')::date
    end;

-- E2B / openFDA dates: YYYYMMDD, with or without a time and UTC offset (20220614101010-0500); only a full date
-- becomes a DATE (the offset is ignored: a date, not an instant).
create or replace macro icsr_date(txt) as
    case when regexp_matches(trim(txt), '^\d{8}') then try_strptime(left(trim(txt), 8), '%Y%m%d')::date end;

-- The order of E2B dates (C.1.5, C.1.2) to the second, as a 14-digit number: a date alone is its midnight.
create or replace macro icsr_instant(txt) as
    coalesce(try_cast(rpad(regexp_extract(trim(txt), '^\d{4,14}'), 14, '0') as bigint), -1);

-- Age in years from E2B's onset age and unit: openFDA/E2B(R2) codes 800 decade, 801 year, 802 month, 803 week,
-- 804 day, 805 hour; E2B(R3) UCUM units 10.a, a, mo, wk, d, h, min. Outside 0-120 years -> unknown.
create or replace macro icsr_age_years(age, unit) as (
    with v as (
        select try_cast(trim(age) as double) * case trim(unit)
            when '800' then 10.0 when '10.a' then 10.0 when '801' then 1.0 when 'a' then 1.0
            when '802' then 1.0 / 12 when 'mo' then 1.0 / 12 when '803' then 7.0 / 365.25 when 'wk' then 7.0 / 365.25
            when '804' then 1.0 / 365.25 when 'd' then 1.0 / 365.25 when '805' then 1.0 / 8766 when 'h' then 1.0 / 8766
            when 'min' then 1.0 / 525960 end as years
    )
    select case when years between 0 and 120 then round(years, 3) end from v
);

-- E2B's reporter qualification (C.2.r.4 / primarysource.qualification) as FAERS's occupation code, so reporter
-- scopes read every source alike: 1 physician MD, 2 pharmacist PH, 3 other health professional OT, 4 lawyer LW,
-- 5 consumer CN.
create or replace macro icsr_occupation(code) as
    case trim(code) when '1' then 'MD' when '2' then 'PH' when '3' then 'OT' when '4' then 'LW' when '5' then 'CN' end;

-- An E2B case id: openFDA's safetyreportid is FAERS's caseid (the same case, the same id); E2B cases from other
-- senders are namespaced by their worldwide unique case id.
create or replace macro icsr_case_id(fmt, case_key) as
    case when fmt = 'openfda' then trim(case_key) else 'e2b:' || trim(case_key) end;
