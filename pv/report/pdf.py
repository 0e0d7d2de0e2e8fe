"""The PDF of the signal report, rendered from the report's HTML by WeasyPrint.

WeasyPrint lays pages out on one core, and the line-listing appendix (up to 5,000 cases, about 400 pages) costs
twice as much as the rest of the report. So the appendix is cut into parts (one per core) rendered by other Python
processes (``python -m pv.report.pdf``) while this one draws the plots and lays out the body. The parts are joined,
bookmarks included, with pypdf, and "Page x of y" is then laid over every page from one overlay document with the
report's own page box, so the numbering runs through the whole file as if it had been rendered at once.

The workers die with their parent, and their temporary folders are removed by the next report if the parent
was killed (``pv.procs``). Plain subprocesses rather than multiprocessing: they never re-import the caller's
script, and the caller's DuckDB
connection and threads stay out of them. PV_REPORT_PARALLEL=0 renders everything in this process.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pv.errors import PvError
from pv.procs import die_with_parent, owned_temp_dir, remove_orphaned_dirs

PART_DIR_PREFIX = "pv-pdf-"


def html_to_pdf(html: str, base_url: str) -> bytes:
    """One HTML document as PDF bytes."""
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html, base_url=base_url).write_pdf()


def parallel_parts() -> int:
    """How many parts the appendix is cut into: one per core (at most 4); 0 when rendering stays in this process."""
    if os.environ.get("PV_REPORT_PARALLEL", "1") == "0":
        return 0
    cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, 4)


class BackgroundPdf:
    """Renders one HTML document to PDF in another process, started at once; with ``background=False`` it is
    rendered in this process when its result is asked for."""

    def __init__(self, html: str, base_url: str, background: bool = True) -> None:
        self._html, self._base_url = html, base_url
        self._proc: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        if background:
            remove_orphaned_dirs(PART_DIR_PREFIX)    # left by a pv process that was killed
            self._dir = owned_temp_dir(PART_DIR_PREFIX)
            src = Path(self._dir.name) / "part.html"
            src.write_text(html, encoding="utf-8")
            env = dict(os.environ)
            package_root = str(Path(__file__).resolve().parents[2])   # pv importable even when run from a checkout
            env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "pv.report.pdf", str(src), str(src.with_suffix(".pdf")), base_url],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=die_with_parent())

    def result(self) -> bytes:
        if self._proc is None:
            return html_to_pdf(self._html, self._base_url)
        try:
            _, err = self._proc.communicate()
            if self._proc.returncode != 0:
                tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
                raise PvError("Rendering the PDF's line-listing appendix failed in its worker process "
                              f"(exit {self._proc.returncode}): {' | '.join(tail)}. "
                              "Set PV_REPORT_PARALLEL=0 to render it in this process instead.")
            return (Path(self._dir.name) / "part.pdf").read_bytes()
        finally:
            self.close()

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def join_pdfs(parts: list[bytes], path: Path, title: str) -> int:
    """Write ``parts`` one after the other as one PDF, bookmarks kept, and number its pages "Page x of y" in the
    report's bottom-right margin box. Returns the number of pages."""
    from pypdf import PdfReader, PdfWriter

    from pv.report.render import page_number_html

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    n_pages = len(writer.pages)
    overlay = PdfReader(io.BytesIO(html_to_pdf(page_number_html(n_pages), base_url=str(path.parent))))
    if len(overlay.pages) != n_pages:
        raise PvError(f"Page numbering of {path.name} failed: {len(overlay.pages)} number pages for {n_pages} pages.")
    for page, numbers in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(numbers, over=True)
        page.compress_content_streams()
    writer.add_metadata({"/Title": title, "/Producer": "pv (WeasyPrint, pypdf)"})
    with open(path, "wb") as f:
        writer.write(f)
    return n_pages


def _main(argv: list[str]) -> None:
    src, dest, base_url = argv
    Path(dest).write_bytes(html_to_pdf(Path(src).read_text(encoding="utf-8"), base_url))


if __name__ == "__main__":
    _main(sys.argv[1:])
