"""HTML of the signal report (the PDF is rendered from the same HTML), with its plots as inline SVG."""

from __future__ import annotations

import base64
import io
import logging
import math
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from jinja2 import Environment, FileSystemLoader  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "pv", "svg.fonttype": "none", "font.size": 8, "font.family": "DejaVu Sans"})
logging.getLogger("weasyprint").setLevel(logging.ERROR)   # its notes on CSS it ignores are not the reader's concern
logging.getLogger("fontTools").setLevel(logging.ERROR)

LIMITATIONS = [
    "Spontaneous reports show that a drug and an event were reported together, not that the drug caused the event.",
    "Reporting is incomplete and uneven: most adverse events are never reported, and publicity, litigation, new "
    "labelling or a drug's newness change how often they are (stimulated reporting).",
    "There is no denominator: the number of patients exposed is unknown, so reporting rates are not incidence rates.",
    "Disproportionality compares a drug with all other drugs in the database; indication, disease severity and "
    "co-medication can produce disproportion without any drug effect (confounding by indication).",
    "Duplicate reports are reduced but not eliminated; report quality and completeness vary.",
    "A statistical signal is a hypothesis for clinical assessment (causality, biological plausibility, other "
    "data sources), not a conclusion.",
]


def fmt(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def day(x) -> str:
    """A date as YYYY-MM-DD; missing dates (None, NaT) as an empty cell."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or str(x) in {"NaT", "nan"}:
        return ""
    return str(x)[:10]


def ci(est, lo, hi) -> str:
    return f"{fmt(est)} [{fmt(lo)}, {fmt(hi)}]"


FORMAT_NAMES = {"faers_ascii": "US FDA FAERS quarterly ASCII files", "aers_ascii": "US FDA legacy AERS quarterly ASCII files",
                "report_csv": "report-level CSV"}


def describe_sources(inputs: pd.DataFrame) -> list[str]:
    """One sentence per kind of input, as loaded: format, source name, period, files, reports, and whether the data
    are synthetic. Never names FAERS for data that did not come from FAERS."""
    lines = []
    if inputs.empty:
        return lines
    keys = inputs.assign(source_name=inputs["source_name"].fillna(""))
    for (fmt, source, synthetic), group in keys.groupby(["format", "source_name", "is_synthetic"], sort=True):
        name = FORMAT_NAMES.get(fmt, fmt)
        if fmt == "report_csv":
            text = f"{name}, source '{source}'"
        else:
            quarters = sorted(q for q in group["quarter"] if q)
            period = quarters[0] if len(set(quarters)) == 1 else f"{quarters[0]} to {quarters[-1]}"
            text = f"{name}, {period}"
        text += f" ({len(group)} file(s), {int(group['n_reports'].sum()):,} reports)"
        if synthetic:
            text = ("SYNTHETIC demonstration data written by pv synth in the layout of the "
                    + text + "; not FDA data")
        lines.append(text)
    return lines


def _img(fig, alt: str) -> str:
    """The figure as an <img> holding a PNG (a data URI, 120 dpi): light for the PDF engine even with hundreds of
    plots, and reproducible (no timestamp in the file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{_attr(alt)}" src="data:image/png;base64,{data}">'


def _short(text: str, n: int) -> str:
    """A label cut to ``n`` characters, the cut shown by an ellipsis (the tables give the full name)."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")



def forest_plot(rows: pd.DataFrame, title: str) -> str:
    """ROR with its 95 % CI per event, on a log axis, with the null line at 1."""
    rows = rows[(rows["ror"] > 0) & rows["ror"].map(math.isfinite)].head(40)
    if rows.empty:
        return ""
    fig, ax = plt.subplots(figsize=(8.5, 0.26 * len(rows) + 0.9), layout="constrained")
    y = range(len(rows))[::-1]
    lo = rows["ror_lower"].where(rows["ror_lower"] > 0, rows["ror"] / 100)
    hi = rows["ror_upper"].where(rows["ror_upper"].map(math.isfinite), rows["ror"] * 100)
    ax.errorbar(rows["ror"], list(y), xerr=[rows["ror"] - lo, hi - rows["ror"]], fmt="s", color="#1f4e79",
                ecolor="#6c8ebf", capsize=2, markersize=4)
    ax.axvline(1, color="#b00020", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(list(y))
    ax.set_yticklabels([_short(str(e), 48) for e in rows["event"]])
    ax.set_xlabel("Reporting odds ratio (95 % CI, log scale); dashed line: no disproportion")
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", which="both", linewidth=0.3, alpha=0.5)
    return _img(fig, f"Forest plot: {title}")


def onset_plot(cases: pd.DataFrame, drug: str, max_rows: int = 20) -> str:
    """Each signal's times to onset (one dot per case, log scale; same-day onsets at half a day) with its median,
    the signals with the most dated cases first. ``cases``: event_label, onset_days (>= 0)."""
    if cases.empty:
        return ""
    order = cases.groupby("event_label")["onset_days"].agg(["size", "median"])
    order = order.sort_values(["size", "median"], ascending=[False, True]).head(max_rows).sort_values("median")
    fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.28 * len(order)))
    for i, label in enumerate(order.index):
        days = cases.loc[cases["event_label"] == label, "onset_days"].clip(lower=0.5).to_numpy(dtype=float)
        jitter = ((pd.Series(range(days.size)) % 7) - 3).to_numpy() * 0.04
        ax.scatter(days, i + jitter, s=6, color="#1f4e79", alpha=0.6, linewidths=0)
        ax.plot([order.loc[label, "median"]] * 2, [i - 0.35, i + 0.35], color="#b00020", linewidth=1.4)
    ax.set_xscale("log")
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([f"{_short(str(e), 44)} (n={int(order.loc[e, 'size'])})" for e in order.index], fontsize=7)
    ax.set_xlabel("Days from therapy start to event (log scale); red: median")
    ax.set_title(f"{drug}: time to onset of the signals", fontsize=9)
    ax.grid(axis="x", which="both", linewidth=0.3, alpha=0.5)
    return _img(fig, f"Time to onset: {drug}")


def trend_panel(ax, rows: pd.DataFrame, title: str) -> None:
    """Cumulative IC with its 95 % credibility interval by quarter; the first quarter meeting the criteria marked."""
    x = list(range(len(rows)))
    ax.fill_between(x, rows["ic025"], rows["ic975"], color="#9ecae1", alpha=0.6, label="IC 95 % credibility interval")
    ax.plot(x, rows["ic"], marker="o", markersize=2.5, color="#1f4e79", label="IC (cumulative)")
    ax.axhline(0, color="#555", linewidth=0.8)
    first = rows.index[rows["is_signal"].fillna(False).astype(bool)]
    if len(first):
        i = list(rows.index).index(first[0])
        ax.axvline(i, color="#b00020", linestyle="--", linewidth=0.9, label="first quarter meeting the criteria")
        title = f"{title}\n(first met: {rows['quarter'].iloc[i]})"
    step = max(1, len(x) // 6)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(list(rows["quarter"])[::step], rotation=45, ha="right", fontsize=6.5)
    ax.set_ylabel("IC (log2 O/E)", fontsize=7)
    ax.set_title(title, fontsize=7.5)
    ax.grid(linewidth=0.3, alpha=0.5)


def trend_plots(trend: pd.DataFrame, drug: str, per_figure: int = 6, share: tuple[int, int] = (0, 1)) -> list:
    """Small multiples: one panel per signal, six to a figure, with one legend and axis note per figure.
    ``share`` (i, n): draw only every n-th figure from the i-th (the others are None), so that n processes can
    draw a report's figures together."""
    groups = list(trend.groupby(["level", "event"], sort=True))
    figures = []
    for k in range(0, len(groups), per_figure):
        if (k // per_figure) % share[1] != share[0]:
            figures.append(None)
            continue
        chunk = groups[k:k + per_figure]
        n_rows = math.ceil(len(chunk) / 3)
        fig, axes = plt.subplots(n_rows, 3, figsize=(10.5, 2.35 * n_rows), squeeze=False)
        for ax, ((level, event), rows) in zip(axes.flat, chunk, strict=False):
            trend_panel(ax, rows.reset_index(drop=True), f"{_short(str(event), 38)} ({level})")
        for ax in list(axes.flat)[len(chunk):]:
            ax.axis("off")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False, bbox_to_anchor=(0.5, -0.02))
        fig.suptitle(f"{drug}: cumulative IC by quarter (the data as it stood at each quarter end)", fontsize=8.5,
                     y=1 - 0.06 / (2.35 * n_rows), va="top")
        # room at the top for the figure title above the panels' two-line titles
        fig.subplots_adjust(left=0.06, right=0.99, top=1 - 0.85 / (2.35 * n_rows), bottom=0.75 / (2.35 * n_rows),
                            hspace=0.95, wspace=0.25)
        figures.append(_img(fig, f"Time trends for {drug}: " + "; ".join(str(e) for (_, e), _ in chunk)))
    return figures


def trend_figures(trend: pd.DataFrame, drugs: list[str], share: tuple[int, int] = (0, 1)) -> dict[str, list]:
    """Each drug's time-trend figures (:func:`trend_plots`), or its ``share`` of them."""
    return {drug: trend_plots(trend[trend["drug"] == drug], drug, share=share) for drug in drugs}


def _main(argv: list[str]) -> None:
    """The worker of pv.report.pdf.BackgroundTrendFigures: trend Parquet in, its share of each drug's figures as
    JSON out."""
    import json

    src, dest, i, n, *drugs = argv
    figures = trend_figures(pd.read_parquet(src), drugs, share=(int(i), int(n)))
    Path(dest).write_text(json.dumps(figures), encoding="utf-8")


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with every missing value (NaN, NA, NaT) as None, so a missing country or sex prints as an
    empty cell, never as "nan"."""
    return [{k: None if _missing(v) else v for k, v in row.items()} for row in frame.to_dict("records")]


def report_context(info: dict, drugs: list[str], tables: dict, trend: pd.DataFrame, inputs: pd.DataFrame,
                   max_cases: int, plots: bool = True, trends: dict[str, list[str]] | None = None) -> dict:
    """Everything the template needs; ``plots=False`` skips the figures (enough for the appendix alone).
    ``trends``: each drug's time-trend figures when drawn already (:func:`trend_figures`)."""
    signals, scores = tables["signals"], tables["scores"]
    sections = []
    for drug in drugs:
        drug_signals = signals[signals["drug"] == drug]
        drug_scores = scores[scores["drug"] == drug]
        categories = []
        cat_names = sorted(set(drug_scores.loc[drug_scores["level"] == "category", "event"]))
        for cat in cat_names:
            in_cat = drug_scores[(drug_scores["category"] == cat) | (drug_scores["event"] == cat)]
            rows = in_cat.sort_values(["level", "eb05"], ascending=[True, False])
            plot_rows = in_cat[in_cat["level"].isin(["subcategory", "pt"])].sort_values("ror", ascending=False)
            categories.append({"name": cat, "rows": _records(rows),
                               "forest": forest_plot(plot_rows, f"{drug}: {cat}") if plots else ""})
        drug_trends = trends[drug] if trends is not None else (
            trend_plots(trend[trend["drug"] == drug], drug) if plots else [])
        onset = tables.get("onset", pd.DataFrame())
        onset = onset[onset["drug"] == drug] if len(onset) else onset
        onset_cases = tables.get("onset_cases", pd.DataFrame())
        onset_cases = onset_cases[onset_cases["drug"] == drug] if len(onset_cases) else onset_cases
        sections.append({
            "drug": drug, "signals": _records(drug_signals), "categories": categories, "trends": drug_trends,
            "summary": drug_signals.groupby("level").size().to_dict(),
            "line_listing": _records(tables["line_listing"][tables["line_listing"]["drug"] == drug]),
            "heterogeneity": _records(tables["heterogeneity"][tables["heterogeneity"]["drug"] == drug])
            if len(tables["heterogeneity"]) else [],
            "onset": _records(onset),
            "masking": _records(tables["masking"][tables["masking"]["drug"] == drug])
            if len(tables.get("masking", [])) else [],
            "backgrounds": _background_groups(tables.get("backgrounds", pd.DataFrame()), drug),
            "onset_plot": onset_plot(onset_cases, drug) if plots and len(onset_cases) else "",
            "lab_grades": _records(tables["lab_grades"][tables["lab_grades"]["drug"] == drug])
            if len(tables.get("lab_grades", [])) else [],
        })
    return {"info": info, "drugs": drugs, "sections": sections, "parameters": _records(tables["parameters"]),
            "data_quality": _records(tables["data_quality"]), "inputs": _records(inputs),
            "category_terms": _records(tables["category_terms"]),
            "data_sources": describe_sources(inputs), "synthetic": bool(inputs["is_synthetic"].any()),
            "limitations": LIMITATIONS, "today": date.today().isoformat(), "max_cases": max_cases,
            "appendix": appendix_chunks(sections, 1)[0]}


def _background_groups(frame: pd.DataFrame, drug: str) -> list[dict]:
    """A drug's rows of the backgrounds table, one group per background."""
    if not len(frame):
        return []
    mine = frame[frame["drug"] == drug]
    return [{"name": name, "description": rows["description"].iloc[0],
             "n_reports": int(rows["background_n_reports"].iloc[0]), "rows": _records(rows)}
            for name, rows in mine.groupby("background", sort=True)]


def appendix_chunks(sections: list[dict], n: int) -> list[list[dict]]:
    """The line listings of all drugs cut into ``n`` consecutive parts of about equal size (the PDF renders them
    side by side); a drug cut in two continues in the next part under a "continued" heading."""
    # a drug without cases keeps its place (an empty listing) through a placeholder row
    rows = [(s["drug"], len(s["line_listing"]), r) for s in sections for r in (s["line_listing"] or [None])]
    n = max(1, min(n, len(rows)))
    size = -(-len(rows) // n) if rows else 0
    chunks: list[list[dict]] = []
    started: set[str] = set()
    for k in range(n):
        part: list[dict] = []
        for drug, n_cases, row in rows[k * size:(k + 1) * size]:
            if not part or part[-1]["drug"] != drug:
                part.append({"drug": drug, "n_cases": n_cases, "continued": drug in started, "rows": []})
                started.add(drug)
            if row is not None:
                part[-1]["rows"].append(row)
        chunks.append(part)
    return [c for c in chunks if c] or [[]]


PARTS = ("all", "main", "appendix")


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
    env.filters["fmt"] = fmt
    env.filters["day"] = day
    env.globals["ci"] = ci
    return env


def render_html(context: dict, part: str = "all", appendix: list[dict] | None = None) -> str:
    """The report as HTML: ``all`` (the HTML file), or the ``main`` body and ``appendix`` parts (line listings)
    the PDF is rendered from side by side (see pv.report.pdf)."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}")
    ctx = {**context, "appendix": context["appendix"] if appendix is None else appendix}
    return _env().get_template("signal_report.html.j2").render(part=part, **ctx)


def page_number_html(n_pages: int) -> str:
    """``n_pages`` empty pages that carry only "Page x of n", to lay over the joined PDF."""
    return ("<!doctype html><html><head><meta charset='utf-8'><style>"
            + _env().get_template("_page.css.j2").render(numbers=True, footer=None)
            + " div { break-after: page; }</style></head><body>" + "<div></div>" * n_pages + "</body></html>")


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
