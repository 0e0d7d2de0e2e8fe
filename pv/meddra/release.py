"""Reading a MedDRA ASCII release (MSSO's distribution file format) and checking it before anything is stored.

A release is the ``MedAscii`` folder of the MSSO download, or the release zip that holds it. Every file is
``$``-delimited with a trailing ``$`` after the last field (so a line of *k* fields has *k* dollar signs). English
and the Western European languages are delivered in extended ASCII (read here as Windows-1252), the others in
UTF-8. The layouts below are those of the MSSO *Distribution File Format* document; the column names are MSSO's.

Checks, each refused with the file and line: a missing or unexpected file, a line with the wrong number of
fields (a wrong delimiter shows here), a code that is not a number, a duplicate code or link, and a reference to
a code that is not there (an LLT whose PT is missing, a PT whose primary SOC is missing, an HLT linked to an
unknown PT, an active SMQ term that is neither a PT nor an LLT ...). Nothing is stored unless all pass.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyarrow as pa

from pv.errors import PvError

INT, TEXT = "int", "text"
# file -> its columns (name, type) in MSSO's order; the codes the loader keeps as integers.
LAYOUT: dict[str, list[tuple[str, str]]] = {
    "llt.asc": [("llt_code", INT), ("llt_name", TEXT), ("pt_code", INT), ("llt_whoart_code", TEXT),
                ("llt_harts_code", TEXT), ("llt_costart_sym", TEXT), ("llt_icd9_code", TEXT),
                ("llt_icd9cm_code", TEXT), ("llt_icd10_code", TEXT), ("llt_currency", TEXT), ("llt_jart_code", TEXT)],
    "pt.asc": [("pt_code", INT), ("pt_name", TEXT), ("null_field", TEXT), ("pt_soc_code", INT),
               ("pt_whoart_code", TEXT), ("pt_harts_code", TEXT), ("pt_costart_sym", TEXT), ("pt_icd9_code", TEXT),
               ("pt_icd9cm_code", TEXT), ("pt_icd10_code", TEXT), ("pt_jart_code", TEXT)],
    "hlt.asc": [("hlt_code", INT), ("hlt_name", TEXT), ("hlt_whoart_code", TEXT), ("hlt_harts_code", TEXT),
                ("hlt_costart_sym", TEXT), ("hlt_icd9_code", TEXT), ("hlt_icd9cm_code", TEXT),
                ("hlt_icd10_code", TEXT), ("hlt_jart_code", TEXT)],
    "hlt_pt.asc": [("hlt_code", INT), ("pt_code", INT)],
    "hlgt.asc": [("hlgt_code", INT), ("hlgt_name", TEXT), ("hlgt_whoart_code", TEXT), ("hlgt_harts_code", TEXT),
                 ("hlgt_costart_sym", TEXT), ("hlgt_icd9_code", TEXT), ("hlgt_icd9cm_code", TEXT),
                 ("hlgt_icd10_code", TEXT), ("hlgt_jart_code", TEXT)],
    "hlgt_hlt.asc": [("hlgt_code", INT), ("hlt_code", INT)],
    "soc.asc": [("soc_code", INT), ("soc_name", TEXT), ("soc_abbrev", TEXT), ("soc_whoart_code", TEXT),
                ("soc_harts_code", TEXT), ("soc_costart_sym", TEXT), ("soc_icd9_code", TEXT),
                ("soc_icd9cm_code", TEXT), ("soc_icd10_code", TEXT), ("soc_jart_code", TEXT)],
    "soc_hlgt.asc": [("soc_code", INT), ("hlgt_code", INT)],
    "mdhier.asc": [("pt_code", INT), ("hlt_code", INT), ("hlgt_code", INT), ("soc_code", INT), ("pt_name", TEXT),
                   ("hlt_name", TEXT), ("hlgt_name", TEXT), ("soc_name", TEXT), ("soc_abbrev", TEXT),
                   ("null_field", TEXT), ("pt_soc_code", INT), ("primary_soc_fg", TEXT)],
    "smq_list.asc": [("smq_code", INT), ("smq_name", TEXT), ("smq_level", INT), ("smq_description", TEXT),
                     ("smq_source", TEXT), ("smq_note", TEXT), ("meddra_version", TEXT), ("status", TEXT),
                     ("smq_algorithm", TEXT)],
    "smq_content.asc": [("smq_code", INT), ("term_code", INT), ("term_level", INT), ("term_scope", INT),
                        ("term_category", TEXT), ("term_weight", INT), ("term_status", TEXT),
                        ("term_addition_version", TEXT), ("term_last_modified_version", TEXT)],
}
# the columns stored in the raw layer (the legacy WHO-ART/HARTS/COSTART/ICD/J-ART cross-references are not)
KEEP = {
    "llt.asc": ["llt_code", "llt_name", "pt_code", "llt_currency"],
    "pt.asc": ["pt_code", "pt_name", "pt_soc_code"],
    "hlt.asc": ["hlt_code", "hlt_name"], "hlt_pt.asc": ["hlt_code", "pt_code"],
    "hlgt.asc": ["hlgt_code", "hlgt_name"], "hlgt_hlt.asc": ["hlgt_code", "hlt_code"],
    "soc.asc": ["soc_code", "soc_name", "soc_abbrev"], "soc_hlgt.asc": ["soc_code", "hlgt_code"],
    "mdhier.asc": ["pt_code", "hlt_code", "hlgt_code", "soc_code", "pt_name", "hlt_name", "hlgt_name", "soc_name",
                   "soc_abbrev", "pt_soc_code", "primary_soc_fg"],
    "smq_list.asc": ["smq_code", "smq_name", "smq_level", "smq_description", "smq_source", "smq_note",
                     "meddra_version", "status", "smq_algorithm"],
    "smq_content.asc": ["smq_code", "term_code", "term_level", "term_scope", "term_category", "term_weight",
                        "term_status", "term_addition_version", "term_last_modified_version"],
}
# the unique key of each file (a duplicate is refused)
KEYS = {"llt.asc": ("llt_code",), "pt.asc": ("pt_code",), "hlt.asc": ("hlt_code",), "hlgt.asc": ("hlgt_code",),
        "soc.asc": ("soc_code",), "hlt_pt.asc": ("hlt_code", "pt_code"), "hlgt_hlt.asc": ("hlgt_code", "hlt_code"),
        "soc_hlgt.asc": ("soc_code", "hlgt_code"), "mdhier.asc": ("pt_code", "hlt_code", "hlgt_code", "soc_code"),
        "smq_list.asc": ("smq_code",), "smq_content.asc": ("smq_code", "term_code")}
VERSION_FILE = "meddra_release.asc"
REQUIRED = (*LAYOUT, VERSION_FILE)
# files of a release that pv does not read (the history file, the international SOC order, change files)
IGNORED = re.compile(r"^(intl_ord\.asc|meddra_history_.*\.asc|.*\.seq)$", re.IGNORECASE)
MAX_FILE_BYTES = 1 << 30


@dataclass
class Release:
    version: str
    language: str
    source: str
    sha256: str
    tables: dict[str, pa.Table]       # file name -> its kept columns


def read(path: str | Path) -> Release:
    """Read and check a MedDRA release (``MedAscii`` folder, a folder above it, or the release zip)."""
    path = Path(path)
    if not path.exists():
        raise PvError(f"{path}: no such file or folder; give the MedAscii folder of your MedDRA release or its zip.")
    files = _zip_files(path) if path.is_file() else _folder_files(path)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    version, language = _version(files[VERSION_FILE], path)
    tables = {name: _parse(name, files[name], path) for name in LAYOUT}
    _check_references(tables, path)
    return Release(version, language, str(path), digest.hexdigest(),
                   {name: pa.table({c: tables[name][c] for c in KEEP[name]}) for name in LAYOUT})


def _select(names: list[str], where: Path) -> dict[str, str]:
    """The release's files among ``names`` (paths inside a folder or zip): refuses missing and unknown .asc files."""
    by_folder: dict[str, list[str]] = {}
    for name in names:
        p = PurePosixPath(name)
        if p.name.lower() == "llt.asc":
            by_folder.setdefault(str(p.parent), []).append(name)
    if not by_folder:
        raise PvError(f"{where}: no llt.asc found; is this a MedDRA ASCII release (the MedAscii folder or its zip)?")
    if len(by_folder) > 1:
        raise PvError(f"{where}: holds several MedDRA releases ({', '.join(sorted(by_folder))}); "
                      "give the MedAscii folder of one.")
    folder = PurePosixPath(next(iter(by_folder)))
    chosen, unexpected = {}, []
    for name in names:
        p = PurePosixPath(name)
        if p.parent != folder:
            continue
        lower = p.name.lower()
        if lower in REQUIRED:
            chosen[lower] = name
        elif lower.endswith(".asc") and not IGNORED.match(lower):
            unexpected.append(p.name)
    missing = [f for f in REQUIRED if f not in chosen]
    if missing:
        raise PvError(f"{where}: the MedDRA release is missing {', '.join(missing)}; a release needs "
                      f"{', '.join(REQUIRED)}. Give the complete MedAscii folder.")
    if unexpected:
        raise PvError(f"{where}: unexpected file(s) {', '.join(sorted(unexpected))} in the MedAscii folder; pv reads "
                      f"{', '.join(REQUIRED)} (and ignores intl_ord.asc, the history file and .seq files). "
                      "Remove the extra file or give an unmodified release.")
    return chosen


def _folder_files(folder: Path) -> dict[str, bytes]:
    names = [str(p.relative_to(folder).as_posix()) for p in folder.rglob("*") if p.is_file()]
    chosen = _select(names, folder)
    out = {}
    for key, rel in chosen.items():
        f = folder / rel
        if f.stat().st_size > MAX_FILE_BYTES:
            raise PvError(f"{f}: {f.stat().st_size:,} bytes is far larger than any MedDRA file; not read.")
        out[key] = f.read_bytes()
    return out


def _zip_files(path: Path) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise PvError(f"{path}: not a zip file; give the MedDRA release zip or its MedAscii folder.") from None
    with zf:
        infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        chosen = _select(list(infos), path)
        out = {}
        for key, member in chosen.items():
            info = infos[member]
            if info.file_size > MAX_FILE_BYTES:
                raise PvError(f"{path}: {member} claims {info.file_size:,} bytes, far more than any MedDRA file.")
            with zf.open(info) as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise PvError(f"{path}: {member} unpacks to more than it claims; not read.")
            out[key] = data
    return out


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")   # MSSO's "extended ASCII" for English


def _lines(name: str, data: bytes):
    for i, line in enumerate(_decode(data).splitlines(), start=1):
        if line.strip():
            yield i, line


def _fields(name: str, line_no: int, line: str, n: int, where: Path) -> list[str]:
    parts = line.split("$")
    # k fields and a trailing $ give k + 1 parts, the last one empty
    if len(parts) != n + 1 or parts[-1].strip():
        found = len(parts) - 1 if not parts[-1].strip() else len(parts)
        hint = (" No '$' on the line: is the file delimited by another character?" if "$" not in line else
                " Fields are separated by '$' and the line ends with '$'.")
        raise PvError(f"{where}: {name} line {line_no}: expected {n} fields ending in '$', found {found}.{hint}")
    return parts[:-1]


def _version(data: bytes, where: Path) -> tuple[str, str]:
    lines = list(_lines(VERSION_FILE, data))
    if not lines:
        raise PvError(f"{where}: {VERSION_FILE} is empty; it should read like '27.1$English$'.")
    line_no, line = lines[0]
    parts = [p.strip() for p in line.split("$")]
    if len(parts) < 2 or not re.fullmatch(r"\d{1,2}\.\d", parts[0]):
        raise PvError(f"{where}: {VERSION_FILE} line {line_no}: expected the version and language "
                      f"('27.1$English$'), found {line.strip()!r}.")
    return parts[0], parts[1] or "unknown"


def _parse(name: str, data: bytes, where: Path) -> dict[str, list]:
    columns = LAYOUT[name]
    out: dict[str, list] = {c: [] for c, _ in columns}
    out["_line"] = []
    seen: dict[tuple, int] = {}
    key_idx = [next(i for i, (c, _) in enumerate(columns) if c == k) for k in KEYS[name]]
    for line_no, line in _lines(name, data):
        fields = _fields(name, line_no, line, len(columns), where)
        values = []
        for (col, kind), raw in zip(columns, fields, strict=True):
            raw = raw.strip()
            if kind == INT:
                if raw == "":
                    value = None
                elif raw.lstrip("-").isdigit():
                    value = int(raw)
                else:
                    raise PvError(f"{where}: {name} line {line_no}: {col} must be a number, found {raw!r}.")
            else:
                value = raw or None
            values.append(value)
        key = tuple(values[i] for i in key_idx)
        if None in key:
            raise PvError(f"{where}: {name} line {line_no}: {', '.join(KEYS[name])} must not be empty.")
        if key in seen:
            what = " / ".join(f"{k} {v}" for k, v in zip(KEYS[name], key, strict=True))
            raise PvError(f"{where}: {name} line {line_no}: {what} appears twice (first at line {seen[key]}); "
                          "a release lists each code once. Was the file edited or two releases merged?")
        seen[key] = line_no
        out["_line"].append(line_no)
        for (col, _), value in zip(columns, values, strict=True):
            out[col].append(value)
    if not out[columns[0][0]] and name not in ("smq_list.asc", "smq_content.asc"):
        raise PvError(f"{where}: {name} has no rows; give a complete MedDRA release.")
    return out


def _check_references(t: dict[str, dict[str, list]], where: Path) -> None:
    """Every code a file refers to exists in the file that defines it (first offence named, with its line)."""
    codes = {level: set(t[f"{level}.asc"][f"{level}_code"]) for level in ("llt", "pt", "hlt", "hlgt", "soc")}

    def refuse(name: str, column: str, target: str, fix: str) -> None:
        values = t[name][column]
        for i, value in enumerate(values):
            if value not in codes[target]:
                raise PvError(f"{where}: {name} line {t[name]['_line'][i]}: {column} {value} is not in "
                              f"{target}.asc. {fix}")

    refuse("llt.asc", "pt_code", "pt", "Every LLT belongs to a PT.")
    refuse("pt.asc", "pt_soc_code", "soc", "Every PT has a primary SOC.")
    refuse("hlt_pt.asc", "hlt_code", "hlt", "The release's files do not agree.")
    refuse("hlt_pt.asc", "pt_code", "pt", "The release's files do not agree.")
    refuse("hlgt_hlt.asc", "hlgt_code", "hlgt", "The release's files do not agree.")
    refuse("hlgt_hlt.asc", "hlt_code", "hlt", "The release's files do not agree.")
    refuse("soc_hlgt.asc", "soc_code", "soc", "The release's files do not agree.")
    refuse("soc_hlgt.asc", "hlgt_code", "hlgt", "The release's files do not agree.")
    for level in ("pt", "hlt", "hlgt", "soc"):
        refuse("mdhier.asc", f"{level}_code", level, "mdhier.asc and the term files do not agree.")
    in_hierarchy = set(t["mdhier.asc"]["pt_code"])
    orphan = next((c for c in t["pt.asc"]["pt_code"] if c not in in_hierarchy), None)
    if orphan is not None:
        line = t["pt.asc"]["_line"][t["pt.asc"]["pt_code"].index(orphan)]
        raise PvError(f"{where}: pt.asc line {line}: PT {orphan} has no path to a SOC in mdhier.asc.")
    primary = {}
    for pt, flag, soc in zip(t["mdhier.asc"]["pt_code"], t["mdhier.asc"]["primary_soc_fg"],
                             t["mdhier.asc"]["soc_code"], strict=True):
        if flag == "Y":
            primary[pt] = soc
    for i, (pt, soc) in enumerate(zip(t["pt.asc"]["pt_code"], t["pt.asc"]["pt_soc_code"], strict=True)):
        if primary.get(pt) != soc:
            raise PvError(f"{where}: pt.asc line {t['pt.asc']['_line'][i]}: PT {pt}'s primary SOC is {soc}, but mdhier.asc flags "
                          f"{primary.get(pt, 'no path')} as primary. The release's files do not agree.")
    smqs = set(t["smq_list.asc"]["smq_code"])
    content = t["smq_content.asc"]
    for i, (smq, code, level, status) in enumerate(zip(content["smq_code"], content["term_code"], content["term_level"],
                                                       content["term_status"], strict=True)):
        if smq not in smqs:
            raise PvError(f"{where}: smq_content.asc line {content['_line'][i]}: SMQ {smq} is not in smq_list.asc.")
        if status != "A":
            continue                          # inactive terms may point at a PT since demoted
        known = {0: smqs, 4: codes["pt"], 5: codes["llt"]}.get(level)
        if known is None:
            raise PvError(f"{where}: smq_content.asc line {content['_line'][i]}: term_level {level} is not 0 (SMQ), 4 (PT) or 5 (LLT).")
        if code not in known:
            raise PvError(f"{where}: smq_content.asc line {content['_line'][i]}: active term {code} (level {level}) is not in the "
                          "release.")

