"""Find quarterly files in what the user points at (zip, folder, folder of zips), and read zips safely.

Zips are read into memory member by member, never extracted: a member whose path is absolute or climbs out
of the archive (``..``), a member that claims an absurd compression ratio (a zip bomb), or an archive larger
than :data:`MAX_UNCOMPRESSED` is refused before anything is read; a truncated or corrupt archive is refused
with the reason.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pv.errors import InputRefused
from pv.ingest.layout import MEMBER_RE, SYNTHETIC_MARKER, detect_format, quarter_label

MAX_UNCOMPRESSED = 16 * 1024**3      # a real FAERS quarter is ~1.5 GB uncompressed
MAX_RATIO = 100                      # real FAERS text compresses 5-10x
RATIO_APPLIES_ABOVE = 10 * 1024**2   # tiny members may compress absurdly well and be harmless


@dataclass
class QuarterSource:
    """One quarter's files, from a zip or a folder."""

    path: Path                       # what was given: the zip, or the folder
    quarter: str
    members: dict[str, str] = field(default_factory=dict)   # kind -> member name (zip) or file path
    is_zip: bool = False
    is_synthetic: bool = False       # carries pv synth's marker file: demonstration data, not FAERS
    _sha256: str | None = None

    def label(self, kind: str) -> str:
        member = self.members[kind]
        return f"{self.path.name}/{member}" if self.is_zip else str(member)

    def read(self, kind: str) -> bytes:
        member = self.members[kind]
        if not self.is_zip:
            return Path(member).read_bytes()
        try:
            with zipfile.ZipFile(self.path) as zf:
                return zf.read(member)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:  # CRC errors, truncation, bad deflate
            raise InputRefused(
                f"{self.path}: member {member} cannot be read ({exc}); the zip is corrupt or truncated. "
                "Download it again."
            ) from exc

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            if self.is_zip:
                self._sha256 = file_sha256(self.path)
            else:  # a folder: hash of its members' names and hashes, so a changed file changes it
                h = hashlib.sha256()
                for kind in sorted(self.members):
                    h.update(f"{Path(self.members[kind]).name}:{file_sha256(Path(self.members[kind]))}\n".encode())
                self._sha256 = h.hexdigest()
        return self._sha256


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(path: Path) -> list[QuarterSource]:
    """Every quarter in ``path``: a zip, a quarter folder (files anywhere below), or a folder of zips."""
    path = Path(path)
    if not path.exists():
        raise InputRefused(f"{path}: no such file or folder.")
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise InputRefused(
                f"{path}: not a zip archive (or a truncated one). Give FDA's quarterly zip, an extracted "
                "folder, or use --format csv for a report-level CSV."
            )
        return [_zip_source(path)]
    sources: list[QuarterSource] = []
    loose: dict[str, QuarterSource] = {}
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        if file.suffix.lower() == ".zip":
            if detect_format(file) is None:      # drug-event-*.json.zip is openFDA's (pv.ingest.icsr)
                sources.append(_zip_source(file))
            continue
        m = MEMBER_RE.match(file.name)
        if m:
            kind, quarter = m.group(1).lower(), quarter_label(m.group(2), m.group(3))
            src = loose.setdefault(str(file.parent) + "|" + quarter, QuarterSource(file.parent, quarter))
            _add_member(src, kind, str(file))
    for src in loose.values():
        src.is_synthetic = any(p.name.lower() == SYNTHETIC_MARKER.lower() for p in src.path.iterdir())
    sources.extend(loose.values())
    if not sources:
        raise InputRefused(
            f"{path}: no FAERS/AERS quarterly files found (looked for DEMOyyQq.txt and the like, and *.zip)."
        )
    return sorted(sources, key=lambda s: (s.quarter, str(s.path)))


def _add_member(src: QuarterSource, kind: str, member: str) -> None:
    previous = src.members.get(kind)
    if previous is not None:
        # 2018Q1 ships DEMO18Q1_new.txt beside DEMO18Q1.txt: the _new file is the corrected one.
        if "_new" in PurePosixPath(previous).name.lower():
            return
        if "_new" not in PurePosixPath(member).name.lower():
            raise InputRefused(
                f"{src.path}: two {kind.upper()} files for {src.quarter} ({previous}, {member}); keep one."
            )
    src.members[kind] = member


def check_archive(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip whose members point outside it, lie about their sizes, or would expand like a zip bomb, before
    anything is read from it (FAERS's quarterly zips, openFDA's bulk files)."""
    archive_size = path.stat().st_size
    total = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise InputRefused(f"{path}: member {name!r} points outside the archive; refusing the zip.")
        total += info.file_size
        # The sizes are the archive's own claims: a compressed size larger than the archive is a lie, and the
        # ratio is judged on what the archive can hold, so a member cannot pass by declaring a large one.
        if info.compress_size > archive_size:
            raise InputRefused(f"{path}: member {name!r} declares {info.compress_size:,} compressed bytes but the "
                               f"archive has {archive_size:,}; the zip is corrupt or crafted. Download it again.")
        compressed = max(min(info.compress_size, archive_size), 1)
        if info.file_size > RATIO_APPLIES_ABOVE and info.file_size > MAX_RATIO * compressed:
            raise InputRefused(
                f"{path}: member {name!r} would expand {info.file_size / compressed:.0f}-fold "
                f"(limit {MAX_RATIO}); refusing a likely zip bomb."
            )
    if total > RATIO_APPLIES_ABOVE and total > MAX_RATIO * archive_size:
        raise InputRefused(f"{path}: its members claim {total:,} bytes, {total / archive_size:.0f} times the "
                           f"archive's size (limit {MAX_RATIO}); refusing a likely zip bomb.")
    if total > MAX_UNCOMPRESSED:
        raise InputRefused(f"{path}: expands to {total / 1024**3:.1f} GiB, over the {MAX_UNCOMPRESSED / 1024**3:.0f} GiB limit.")


def _zip_source(path: Path) -> QuarterSource:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputRefused(f"{path}: not a readable zip ({exc}); it is corrupt or truncated. Download it again.") from exc
    check_archive(path, infos)
    synthetic = False
    by_quarter: dict[str, QuarterSource] = {}
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        if PurePosixPath(name).name.lower() == SYNTHETIC_MARKER.lower():
            synthetic = True
            continue
        m = MEMBER_RE.match(PurePosixPath(name).name)
        if m:
            kind, quarter = m.group(1).lower(), quarter_label(m.group(2), m.group(3))
            src = by_quarter.setdefault(quarter, QuarterSource(path, quarter, is_zip=True))
            _add_member(src, kind, name)
    for src in by_quarter.values():
        src.is_synthetic = synthetic
    if not by_quarter:
        raise InputRefused(f"{path}: the zip holds no FAERS/AERS quarterly files (DEMOyyQq.txt and the like).")
    if len(by_quarter) > 1:
        # Deleted-case lists are dated by quarter too; they belong to the quarter the zip delivers.
        data_quarters = {q for q, s in by_quarter.items() if set(s.members) - {"delete"}}
        if len(data_quarters) != 1:
            raise InputRefused(f"{path}: holds files of several quarters ({', '.join(sorted(by_quarter))}).")
        (main_q,) = data_quarters
        main = by_quarter[main_q]
        for q, s in by_quarter.items():
            if q != main_q and "delete" in s.members:
                main.members.setdefault("delete", s.members["delete"])
        return main
    return next(iter(by_quarter.values()))
