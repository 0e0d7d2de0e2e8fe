"""Read ICH E2B XML as a stream of reports: E2B(R3) batches (HL7 v3 ``MCCI_IN200100UV01`` of ``PORR_IN049016UV``
messages, namespace ``urn:hl7-org:v3``) and E2B(R2) ``ichicsr`` files of ``safetyreport`` elements.

The parser is hardened: expat is fed 1 MB blocks, and any entity declaration (the way to both external-entity
(XXE) and entity-expansion ("billion laughs") attacks), unparsed entity, external entity reference or entity the
file does not define refuses the file with its line. External DTDs are never read (no network, no file access).
Each message is built as a small element tree, mapped, and dropped from the tree, so memory holds one message.

E2B(R3) mapping (data elements of the ICH implementation guide): C.1.1 report id, C.1.8.1 worldwide case id (the
case key), C.1.2 creation, C.1.4 first received, C.1.5 most recent information, C.1.3 report type, C.2.r.4
qualification and C.2.r.3 country of the primary source for regulatory purposes (C.2.r.5, else the first), D.2.2
age, D.3 weight, D.5 sex, E.i reactions (LLT code and MedDRA version, as reported, outcome, onset, seriousness),
F.r lab results (with bounds such as "< 10 mg/dl" kept as a qualifier), G.k drugs (characterisation G.k.1 from the
causality assessment that names the drug, product, active substances, dosage dates, route, indication), H.1
narrative. E2B(R2) files are read as nested fields under their element names, as openFDA's JSON is, and mapped by
:func:`pv.ingest.openfda.map_report`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from pv.errors import InputRefused
from pv.ingest.icsr import Report, extra_json, open_stream
from pv.ingest.openfda import map_report

BLOCK = 1024 * 1024
HL7 = "urn:hl7-org:v3"
XSI_TYPE = "http://www.w3.org/2001/XMLSchema-instance}type"
ROOT_CASE_ID, ROOT_WORLDWIDE_ID = "2.16.840.1.113883.3.989.2.1.3.1", "2.16.840.1.113883.3.989.2.1.3.2"
R2_REPEATED = {"reaction", "drug", "test", "reportduplicate", "activesubstance", "medicalhistoryepisode",
               "patientpastdrugtherapy", "patientdeath", "parent", "primarysource", "linkedreport"}
# E.i.3.2 seriousness criteria (code of the reaction's outboundRelationship2 observation) -> report column
SERIOUSNESS = {"34": "seriousness_death", "21": "seriousness_life_threatening",
               "33": "seriousness_hospitalization", "35": "seriousness_disabling",
               "12": "seriousness_congenital_anomaly", "26": "seriousness_other"}


class _Refused(Exception):
    """Raised inside an expat handler; turned into InputRefused with the line."""


def read_e2b(path: Path) -> Iterator[Report]:
    """Each report of an E2B(R3) or E2B(R2) file, in order (see the module's description)."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[ET.Element] = []
    done: list[tuple[ET.Element, int]] = []
    starts: dict[int, int] = {}
    kind: list[str] = []           # 'r3' or 'r2', set by the root element

    def start(tag, attrs):
        if not stack:
            kind.append(_root_kind(tag))
        element = builder.start(tag.removeprefix(HL7 + "}"), attrs)
        if _is_message(element.tag, kind[0], len(stack)):
            starts[id(element)] = parser.CurrentLineNumber
        stack.append(element)

    def end(tag):
        element = builder.end(tag.removeprefix(HL7 + "}"))
        stack.pop()
        line = starts.pop(id(element), None)
        if line is not None:
            done.append((element, line))
            if stack:
                stack[-1].remove(element)      # the message is mapped on its own; the batch tree stays small

    def refuse(what: str):
        def handler(*_args):
            raise _Refused(what)
        return handler

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    parser.EntityDeclHandler = refuse("the file declares an entity (the mechanism of XXE and entity-expansion "
                                      "attacks); E2B files never need one")
    parser.UnparsedEntityDeclHandler = refuse("the file declares an unparsed entity")
    parser.ExternalEntityRefHandler = refuse("the file refers to an external entity; pv never reads one")
    parser.SkippedEntityHandler = refuse("the file uses an entity it does not define (pv reads no external DTD)")
    with open_stream(path) as stream:
        first = True
        while True:
            try:
                block = stream.read(BLOCK)
            except (EOFError, OSError, zipfile.BadZipFile, zlib.error) as exc:
                raise InputRefused(f"{path}: cannot be read to the end ({exc}); the file is truncated or corrupt.") from exc
            if first and block[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise InputRefused(f"{path}: is UTF-16; pv reads E2B XML in UTF-8 (as ICH and FDA require).")
            first = False
            try:
                parser.Parse(block, not block)
            except _Refused as exc:
                raise InputRefused(f"{path}, line {parser.CurrentLineNumber}: refused: {exc}. Nothing was loaded.") from None
            except expat.ExpatError as exc:
                raise InputRefused(f"{path}, line {exc.lineno}: not well-formed XML ({expat.ErrorString(exc.code)}); "
                                   "the file is damaged or truncated. Nothing was loaded.") from None
            for element, line in done:
                yield map_r3(element, line, path) if kind[0] == "r3" else map_r2(element, line, path)
            done.clear()
            if not block:
                return


def _root_kind(tag: str) -> str:
    if tag == f"{HL7}}}MCCI_IN200100UV01" or tag == f"{HL7}}}PORR_IN049016UV":
        return "r3"
    if tag == "ichicsr":
        return "r2"
    raise _Refused(f"the root element is <{tag.split('}')[-1]}>, not an E2B(R3) batch (MCCI_IN200100UV01 in "
                   "urn:hl7-org:v3) or an E2B(R2) ichicsr file")


def _is_message(tag: str, kind: str, depth: int) -> bool:
    if kind == "r3":
        return tag == "PORR_IN049016UV"
    return tag == "safetyreport" and depth == 1


# --- E2B(R2): elements as nested fields ------------------------------------------------------------------------


def _fields(element: ET.Element):
    if len(element) == 0:
        text = (element.text or "").strip()
        return text or None
    out: dict = {}
    for child in element:
        value = _fields(child)
        if child.tag in R2_REPEATED:
            out.setdefault(child.tag, []).append(value)
        else:
            out[child.tag] = value
    return out


def map_r2(element: ET.Element, line: int, path: Path) -> Report:
    record = _fields(element)
    record = record if isinstance(record, dict) else {}
    case_key = next((v.strip() for v in (record.get("authoritynumb"), record.get("companynumb"),
                                         record.get("safetyreportid")) if isinstance(v, str) and v.strip()), None)
    return map_report(record, line, path, fmt="e2b_r2", case_key=case_key)


# --- E2B(R3) -----------------------------------------------------------------------------------------------------


def _attr(element: ET.Element | None, path: str, name: str = "value") -> str | None:
    found = element.find(path) if element is not None else None
    return found.get(name) if found is not None else None


def _code(element: ET.Element | None) -> str | None:
    code = element.find("code") if element is not None else None
    return code.get("code") if code is not None else None


def _text(element: ET.Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def map_r3(message: ET.Element, line: int, path: Path) -> Report:
    inv = message.find("controlActProcess/subject/investigationEvent")
    if inv is None:
        raise InputRefused(f"{path}, line {line}: a PORR_IN049016UV message without its investigationEvent (the "
                           "case); the file is not a complete E2B(R3) message. Nothing was loaded.")
    ids = {i.get("root"): (i.get("extension") or "").strip() for i in inv.findall("id")}
    report_id, worldwide = ids.get(ROOT_CASE_ID) or None, ids.get(ROOT_WORLDWIDE_ID) or None
    if not (report_id or worldwide):
        raise InputRefused(f"{path}, line {line}: a case without C.1.1 or C.1.8.1 (no case id); a report that has no "
                           "id cannot be told from another or counted once. Nothing was loaded.")
    fields: dict[str, str | None] = {
        "format": "e2b_r3", "report_id": report_id or worldwide, "case_key": worldwide or report_id,
        "created": _attr(message, "controlActProcess/effectiveTime"),
        "first_received": _attr(inv, "effectiveTime/low"), "most_recent": _attr(inv, "availabilityTime"),
        "narrative": _text(inv, "text"),
    }
    for characteristic in inv.findall("subjectOf2/investigationCharacteristic"):
        if _code(characteristic) == "1":
            fields["report_type"] = _attr(characteristic, "value", "code")
    fields.update(_primary_source(inv))
    fields["sender_organization"] = _text(
        inv, "subjectOf1/controlActEvent/author/assignedEntity/representedOrganization/assignedEntity/"
             "representedOrganization/name")
    assessment = inv.find("component/adverseEventAssessment")
    role = assessment.find("subject1/primaryRole") if assessment is not None else None
    fields["sex"] = _attr(role, "player1/administrativeGenderCode", "code")
    reactions, drugs, labs = [], [], []
    for observation in role.findall("subjectOf2/observation") if role is not None else []:
        code = _code(observation)
        if code == "3":
            fields["age"], fields["age_unit"] = _attr(observation, "value"), _attr(observation, "value", "unit")
        elif code == "7":
            fields["weight"] = _attr(observation, "value")
        elif code == "29":
            reactions.append(_reaction(observation, fields))
    for organizer in role.findall("subjectOf2/organizer") if role is not None else []:
        code = _code(organizer)
        if code == "3":
            labs.extend(_lab(o) for o in organizer.findall("component/observation"))
        elif code == "4":
            drugs.extend(organizer.findall("component/substanceAdministration"))
    roles = {}
    for causality in assessment.findall("component/causalityAssessment") if assessment is not None else []:
        if _code(causality) == "20":
            roles[_attr(causality, "subject2/productUseReference/id", "root")] = _attr(causality, "value", "code")
    flags = [fields.get(c) for c in SERIOUSNESS.values()]
    fields["serious"] = "1" if any(f == "1" for f in flags) else ("2" if reactions else None)
    return Report(fields, line, [_drug(d, roles) for d in drugs], reactions, labs)


def _primary_source(inv: ET.Element) -> dict:
    sources = [r for r in inv.findall("outboundRelationship") if _code(r.find("relatedInvestigation")) == "2"]
    if not sources:
        return {}
    chosen = next((r for r in sources if _attr(r, "priorityNumber") == "1"), sources[0])
    person = chosen.find("relatedInvestigation/subjectOf2/controlActEvent/author/assignedEntity/assignedPerson")
    return {"reporter_qualification": _attr(person, "asQualifiedEntity/code", "code"),
            "reporter_country": _attr(person, "asLocatedEntity/location/code", "code")}


def _reaction(observation: ET.Element, report: dict) -> dict:
    value = observation.find("value")
    reaction = {"term": (value.get("code") or None) if value is not None else None,
                "meddra_version": value.get("codeSystemVersion") if value is not None else None,
                "reported_term": _text(observation, "value/originalText"),
                "onset_date": _attr(observation, "effectiveTime/low") or _attr(observation, "effectiveTime")}
    if reaction["term"] is None:        # no E.i.2.1b code: the term as reported (E.i.1.1a) is all there is
        reaction["term"] = reaction["reported_term"]
    country = _attr(observation, "location/locatedEntity/locatedPlace/code", "code")
    if country and not report.get("occur_country"):
        report["occur_country"] = country
    extra = {}
    for related in observation.findall("outboundRelationship2/observation"):
        code = _code(related)
        if code == "30" and not reaction["reported_term"]:
            reaction["reported_term"] = _text(related, "value")
        elif code == "27":
            reaction["outcome"] = _attr(related, "value", "code")
        elif code in SERIOUSNESS and _attr(related, "value") == "true":
            report[SERIOUSNESS[code]] = "1"
        elif code == "37":
            extra["term_highlighted"] = _attr(related, "value", "code")
    reaction["extra_fields"] = extra_json({k: v for k, v in extra.items() if v})
    return reaction


def _lab(observation: ET.Element) -> dict:
    code = observation.find("code")
    lab = {"test_code": code.get("code") if code is not None else None,
           "meddra_version": code.get("codeSystemVersion") if code is not None else None,
           "test_name": _text(observation, "code/originalText"), "test_date": _attr(observation, "effectiveTime"),
           "result_code": _attr(observation, "interpretationCode", "code")}
    value = observation.find("value")
    if value is not None:
        lab.update(_lab_value(value))
    for bound in observation.findall("referenceRange/observationRange"):
        side = _attr(bound, "interpretationCode", "code")
        if side in ("L", "H"):
            lab["normal_low" if side == "L" else "normal_high"] = _attr(bound, "value")
            lab.setdefault("unit", _attr(bound, "value", "unit"))
    for related in observation.findall("outboundRelationship2/observation"):
        if _code(related) == "10":
            lab["comments"] = _text(related, "value")
    return lab


def _lab_value(value: ET.Element) -> dict:
    """F.r.3.2/F.r.3.3: a PQ (value, unit), an IVL_PQ with a centre (a value) or one open side (a bound: '< 10'
    is low NINF, high 10 not inclusive), or text (F.r.3.4)."""
    xsi_type = value.get(XSI_TYPE, "")
    if xsi_type == "PQ":
        return {"value": value.get("value"), "unit": value.get("unit")}
    if xsi_type == "IVL_PQ":
        center, low, high = value.find("center"), value.find("low"), value.find("high")
        if center is not None:
            return {"value": center.get("value"), "unit": center.get("unit")}
        if high is not None and high.get("value") is not None and (low is None or low.get("value") is None):
            return {"value": high.get("value"), "unit": high.get("unit"),
                    "value_qualifier": "<=" if high.get("inclusive") == "true" else "<"}
        if low is not None and low.get("value") is not None and (high is None or high.get("value") is None):
            return {"value": low.get("value"), "unit": low.get("unit"),
                    "value_qualifier": ">=" if low.get("inclusive") == "true" else ">"}
        return {}
    text = (value.text or "").strip()
    return {"result_text": text} if text else {}


def _drug(administration: ET.Element, roles: dict) -> dict:
    product = administration.find("consumable/instanceOfKind/kindOfProduct")
    names = [n.text.strip() for n in product.findall("ingredient/ingredientSubstance/name") if n.text] \
        if product is not None else []
    drug = {"characterization": roles.get(_attr(administration, "id", "root")),
            "medicinal_product": _text(product, "name"), "active_substances": "\\".join(names) or None}
    dosages = administration.findall("outboundRelationship2/substanceAdministration")
    times = [t for d in dosages for t in d.findall("effectiveTime")]
    starts = [low.get("value") for t in times for low in t.iter("low") if low.get("value")]
    ends = [high.get("value") for t in times for high in t.iter("high") if high.get("value")]
    drug["start_date"] = min(starts) if starts else None
    drug["end_date"] = max(ends) if ends else None
    for dosage in dosages:
        route = dosage.find("routeCode")
        if route is not None and not drug.get("route"):
            drug["route"] = route.get("code") or _text(dosage, "routeCode/originalText")
        if not drug.get("dose_text"):
            drug["dose_text"] = _text(dosage, "text")
    for indication in administration.findall("inboundRelationship/observation"):
        if _code(indication) == "19":
            drug["indication"] = _text(indication, "value/originalText") or _attr(indication, "value", "code")
            break
    return drug
