"""HTML of the signal report (the PDF is rendered from the same HTML), with its plots as inline SVG."""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from jinja2 import Environment, FileSystemLoader  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "pv", "svg.fonttype": "none", "font.size": 8, "font.family": "DejaVu Sans"})

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


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def forest_plot(rows: pd.DataFrame, title: str) -> str:
    """ROR with its 95 % CI per event, on a log axis, with the null line at 1."""
    rows = rows[(rows["ror"] > 0) & rows["ror"].map(math.isfinite)].head(40)
    if rows.empty:
        return ""
    fig, ax = plt.subplots(figsize=(8.5, 0.26 * len(rows) + 0.9))
    y = range(len(rows))[::-1]
    lo = rows["ror_lower"].where(rows["ror_lower"] > 0, rows["ror"] / 100)
    hi = rows["ror_upper"].where(rows["ror_upper"].map(math.isfinite), rows["ror"] * 100)
    ax.errorbar(rows["ror"], list(y), xerr=[rows["ror"] - lo, hi - rows["ror"]], fmt="s", color="#1f4e79",
                ecolor="#6c8ebf", capsize=2, markersize=4)
    ax.axvline(1, color="#b00020", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(list(y))
    ax.set_yticklabels([str(e)[:48] for e in rows["event"]])
    ax.set_xlabel("Reporting odds ratio (95 % CI, log scale); dashed line: no disproportion")
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", which="both", linewidth=0.3, alpha=0.5)
    return _svg(fig)


def trend_plot(rows: pd.DataFrame, title: str) -> str:
    """Cumulative IC with its 95 % credibility interval by quarter; the first quarter meeting the criteria marked."""
    if rows.empty:
        return ""
    fig, ax = plt.subplots(figsize=(8.5, 2.3))
    x = list(range(len(rows)))
    ax.fill_between(x, rows["ic025"], rows["ic975"], color="#9ecae1", alpha=0.6, label="IC 95 % credibility interval")
    ax.plot(x, rows["ic"], marker="o", markersize=3, color="#1f4e79", label="IC (cumulative)")
    ax.axhline(0, color="#555", linewidth=0.8)
    first = rows.index[rows["is_signal"].fillna(False).astype(bool)]
    if len(first):
        i = list(rows.index).index(first[0])
        ax.axvline(i, color="#b00020", linestyle="--", linewidth=0.9, label=f"first met: {rows['quarter'].iloc[i]}")
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(list(rows["quarter"])[::step], rotation=45, ha="right")
    ax.set_xlabel("Quarter (cases first received up to its end)")
    ax.set_ylabel("IC (log2 observed / expected)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.grid(linewidth=0.3, alpha=0.5)
    return _svg(fig)


def render_html(info: dict, drugs: list[str], tables: dict, trend: pd.DataFrame, inputs: pd.DataFrame) -> str:
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
            categories.append({"name": cat, "rows": rows.to_dict("records"),
                               "forest": forest_plot(plot_rows, f"{drug}: {cat}")})
        trends = []
        for (level, event), rows in trend[trend["drug"] == drug].groupby(["level", "event"], sort=True):
            trends.append({"level": level, "event": event,
                           "svg": trend_plot(rows.reset_index(drop=True), f"{drug}: {event} ({level})")})
        sections.append({
            "drug": drug, "signals": drug_signals.to_dict("records"), "categories": categories, "trends": trends,
            "summary": drug_signals.groupby("level").size().to_dict(),
            "line_listing": tables["line_listing"][tables["line_listing"]["drug"] == drug].to_dict("records"),
        })
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
    env.filters["fmt"] = fmt
    env.filters["day"] = day
    env.globals["ci"] = ci
    return env.get_template("signal_report.html.j2").render(
        info=info, drugs=drugs, sections=sections, parameters=tables["parameters"].to_dict("records"),
        data_quality=tables["data_quality"].to_dict("records"), inputs=inputs.to_dict("records"),
        limitations=LIMITATIONS, today=date.today().isoformat(), max_cases=5000,
    )
