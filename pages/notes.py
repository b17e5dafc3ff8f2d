"""Clinical notes: what the assistant drafts (by note type and specialty), how much of it is
AI-drafted, how often drafts are accepted and how much they are edited, time to sign, length."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from components import figures
from components import format as fmt
from pages._charts import bucket_drill, day_drill, histogram
from pages._dashboard import Chart, ChartInput, DashboardPage, Kpi, Query, register
from pages._dashboard import layout as dashboard_layout
from queries.grid import Drill

dash.register_page(__name__, path="/notes", name="Clinical notes", title="Clinical notes", order=20,
                   permission="dashboards")

QUALITY = (("ai_share", "AI-drafted share"), ("acceptance_rate", "Acceptance rate"),
           ("avg_edit_ratio", "Edit ratio (AI drafts)"))


def by_type(data: ChartInput) -> dict:
    return figures.breakdown_figure(data.frame(), category="note_type", series="specialty", value="notes_drafted")


def by_type_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    note_type = point.get("y")
    if not isinstance(note_type, str):
        return None
    where = [("eq", "note_type", note_type)] + ([("eq", "specialty", trace)] if trace else [])
    return Drill("clinical_notes", f"{note_type} notes" + (f", {trace}" if trace else ""), tuple(where))


def quality(data: ChartInput) -> dict:
    daily = data.frame()
    long = pd.concat([pd.DataFrame({"day": daily["day"], "metric": label, "value": daily[column]})
                      for column, label in QUALITY])
    return figures.series_figure(long, x="day", y="value", series="metric", y_format=".0%",
                                 order=[label for _, label in QUALITY])


def quality_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    return day_drill("clinical_notes", point, "Notes", (("eq", "ai_generated", True),))


def time_to_sign(data: ChartInput) -> dict:
    return histogram(data.frame(), value="notes_drafted", series="note_type", unit="min")


def word_count(data: ChartInput) -> dict:
    return histogram(data.frame(), value="notes_drafted", series="note_type", unit="words")


PAGE = DashboardPage(
    page="notes",
    title="Clinical notes",
    kpi_query="notes_kpis",
    spark_query="notes_daily",
    kpis=(
        Kpi("notes_drafted", "Notes drafted", fmt.number, True, "notes_drafted"),
        Kpi("ai_share", "AI-drafted", fmt.percent, True, "ai_share"),
        Kpi("acceptance_rate", "Acceptance rate", fmt.percent, True, "acceptance_rate"),
        Kpi("avg_edit_ratio", "Edit ratio", fmt.percent, False, "avg_edit_ratio"),
        Kpi("median_time_to_sign_min", "Median time to sign", lambda v: fmt.decimal(v, 1, " min"), False, "median_time_to_sign_min"),
        Kpi("avg_word_count", "Avg words", fmt.number, True, "avg_word_count"),
    ),
    charts=(
        Chart("by-type", "Notes by type and specialty", (Query("notes_by_type"),), by_type, by_type_drill, width=6),
        Chart("quality", "AI share, acceptance and edit ratio", (Query("notes_daily"),), quality, quality_drill,
              width=6),
        Chart("time-to-sign", "Time to sign", (Query("notes_time_to_sign"),), time_to_sign,
              bucket_drill("clinical_notes", "time_to_sign_min", "min", "note_type"), width=6),
        Chart("word-count", "Word count", (Query("notes_word_count"),), word_count,
              bucket_drill("clinical_notes", "word_count", "words", "note_type"), width=6),
    ),
)


def layout(**query) -> html.Div:
    """Built from the URL query string; runs no query (Dash calls it once at start-up)."""
    return dashboard_layout(PAGE, query)


register(PAGE)
