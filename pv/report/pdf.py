"""The PDF of the signal report, rendered from the report's HTML by WeasyPrint.

WeasyPrint lays pages out on one core, and the line-listing appendix (up to 5,000 cases, about 400 pages) costs
twice as much as the rest of the report. So the appendix is cut into parts (one per core) rendered by other Python
processes (``python -m pv.report.pdf``), and half the time-trend figures are drawn by another (``python -m
pv.report.render``), while this one writes the tables, draws the other plots and lays out the body. The parts are
joined, bookmarks included, with pypdf, and "Page x of y" is then laid over every page from one overlay document
with the report's own page box, so the numbering runs through the whole file as if it had been rendered at once.

The workers die with their parent, and their temporary folders are removed by the next report if the parent
was killed (``pv.procs``). Plain subprocesses rather than multiprocessing: they never re-import the caller's
script, and the caller's DuckDB
connection and threads stay out of them. PV_REPORT_PARALLEL=0 renders everything in this process.
"""

from __future__ import annotations

import io
import json
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


class _Worker:
    """``python -m <module> <input> <output> <args>`` in another process, started at once, in a temporary folder
    of its own that holds the input and output files."""

    def __init__(self, module: str, what: str, write_input, input_name: str, output_name: str, args=()) -> None:
        self._what = what
        remove_orphaned_dirs(PART_DIR_PREFIX)    # left by a pv process that was killed
        self._dir: tempfile.TemporaryDirectory[str] | None = owned_temp_dir(PART_DIR_PREFIX)
        src, self._dest = Path(self._dir.name) / input_name, Path(self._dir.name) / output_name
        write_input(src)
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])   # pv importable even when run from a checkout
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self._proc: subprocess.Popen | None = subprocess.Popen(
            [sys.executable, "-m", module, str(src), str(self._dest), *args],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=die_with_parent())

    def result(self) -> bytes:
        try:
            _, err = self._proc.communicate()
            if self._proc.returncode != 0:
                tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
                raise PvError(f"{self._what} failed in its worker process (exit {self._proc.returncode}): "
                              f"{' | '.join(tail)}. Set PV_REPORT_PARALLEL=0 to do it in this process instead.")
            return self._dest.read_bytes()
        finally:
            self.close()

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


class BackgroundPdf:
    """Renders one HTML document to PDF in another process, started at once; with ``background=False`` it is
    rendered in this process when its result is asked for."""

    def __init__(self, html: str, base_url: str, background: bool = True) -> None:
        self._html, self._base_url = html, base_url
        self._worker = _Worker("pv.report.pdf", "Rendering the PDF's line-listing appendix",
                               lambda path: path.write_text(html, encoding="utf-8"), "part.html", "part.pdf",
                               (base_url,)) if background else None

    def result(self) -> bytes:
        return html_to_pdf(self._html, self._base_url) if self._worker is None else self._worker.result()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()


class BackgroundTrendFigures:
    """The time-trend figures of each drug (pv.report.render.trend_figures), the costliest part of the report's
    body (about 0.5 s a figure of six signals): half of them drawn in another process, started at once, and the
    other half here when the result is asked for. With ``background=False`` all are drawn here."""

    def __init__(self, trend, drugs: list[str], background: bool = True) -> None:
        self._trend, self._drugs = trend, drugs
        self._worker = _Worker("pv.report.render", "Drawing the time-trend figures",
                               lambda path: trend.to_parquet(path, index=False), "trend.parquet", "figures.json",
                               ("1", "2", *drugs)) if background else None

    def result(self) -> dict[str, list[str]]:
        from pv.report.render import trend_figures

        if self._worker is None:
            return trend_figures(self._trend, self._drugs)
        here = trend_figures(self._trend, self._drugs, share=(0, 2))
        there = json.loads(self._worker.result())
        return {drug: [a if a is not None else b for a, b in zip(here[drug], there[drug], strict=True)]
                for drug in self._drugs}

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()


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
