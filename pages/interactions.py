"""Interactions: volume over time by type or channel, when clinicians use the assistant (hour ×
weekday), how long sessions last, how they end, and how users rate them."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from components import figures
from components import format as fmt
from pages._charts import bucket_drill, day_drill, histogram
from pages._dashboard import Chart, ChartInput, DashboardPage, Kpi, Option, Query, register
from pages._dashboard import layout as dashboard_layout
from queries.grid import Drill
from queries.tables import INTERACTION_TYPES, STATUSES

dash.register_page(__name__, path="/interactions", name="Interactions", title="Interactions", order=10,
                   permission="dashboards")

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = tuple(f"{h:02d}" for h in range(24))


def volume(data: ChartInput) -> dict:
    split = data.options.get("split") or "interaction_type"
    frame = data.frame().groupby(["day", split], as_index=False)["interactions"].sum()
    return figures.series_figure(frame, x="day", y="interactions", series=split, kind="area",
                                 y_format=",")


def volume_data(data: ChartInput) -> pd.DataFrame:
    return data.frame()


def volume_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    split = data.options.get("split") or "interaction_type"
    extra = (("eq", split, trace),) if trace else ()
    return day_drill("interactions", point, trace or "Interactions", extra)


def heatmap(data: ChartInput) -> dict:
    frame = data.frame().assign(weekday=lambda f: f["weekday"].map(lambda d: WEEKDAYS[int(d) - 1]),
                                hour=lambda f: f["hour"].map(lambda h: f"{int(h):02d}"))
    figure = figures.heatmap_figure(frame, x="hour", y="weekday", z="interactions", x_labels=HOURS,
                                    y_labels=WEEKDAYS)
    figure["layout"]["xaxis"]["title"] = {"text": "hour of day (UTC)"}
    return figure


def heatmap_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    weekday, hour = point.get("y"), point.get("x")
    if weekday not in WEEKDAYS or hour not in HOURS:
        return None
    return Drill("interactions", f"{weekday} {hour}:00–{hour}:59 UTC",
                 (("weekday", WEEKDAYS.index(weekday) + 1), ("hour", int(hour))))


def duration(data: ChartInput) -> dict:
    return histogram(data.frame(), value="interactions", series="interaction_type", unit="s")


def outcomes(data: ChartInput) -> dict:
    frame = data.frame()
    totals = frame.groupby("day")["interactions"].transform("sum")
    shares = frame.assign(share=frame["interactions"] / totals)
    return figures.series_figure(shares, x="day", y="share", series="status", kind="area", y_format=".1%",
                                 order=STATUSES)


def outcomes_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    extra = (("eq", "status", trace),) if trace in STATUSES else ()
    return day_drill("interactions", point, f"{trace} interactions" if trace else "Interactions", extra)


def feedback(data: ChartInput) -> dict:
    frame = data.frame().assign(rating=lambda f: f["rating"].map(lambda r: f"{int(r)} ★"))
    figure = figures.grouped_bars_figure(frame, category="rating", series="interaction_type", value="interactions",
                                         categories=[f"{r} ★" for r in range(1, 6)])
    figure["layout"]["barmode"] = "stack"
    return figure


def feedback_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    label = point.get("x")
    if not isinstance(label, str) or not label[:1].isdigit():
        return None
    where = [("eq", "feedback_rating", int(label[0]))]
    if trace in INTERACTION_TYPES:
        where.append(("eq", "interaction_type", trace))
    return Drill("interactions", f"rated {label}" + (f", {trace}" if trace else ""), tuple(where))


PAGE = DashboardPage(
    page="interactions",
    title="Interactions",
    kpi_query="interactions_kpis",
    spark_query="interactions_daily",
    kpis=(
        Kpi("interactions", "Interactions", fmt.number, True, "interactions"),
        Kpi("avg_duration_sec", "Avg duration", lambda v: fmt.decimal(v, 0, " s"),
            True, "avg_duration_sec"),
        Kpi("completion_rate", "Completed", fmt.percent, True, "completion_rate"),
        Kpi("abandon_rate", "Abandoned", fmt.percent, False, "abandon_rate"),
        Kpi("avg_rating", "Avg rating", lambda v: fmt.decimal(v, 2, " ★"), True,
            "avg_rating"),
        Kpi("rated_share", "Rated", fmt.percent, True, "rated_share"),
    ),
    charts=(
        Chart("volume", "Volume over time", (Query("interactions_mix"),), volume, volume_drill, volume_data,
              width=8, options=(Option("split", "Split by", (("interaction_type", "Type"), ("channel", "Channel")),
                                       "interaction_type"),)),
        Chart("heatmap", "When: weekday × hour", (Query("interactions_heatmap"),), heatmap, heatmap_drill, width=4),
        Chart("duration", "Duration distribution", (Query("interactions_duration"),), duration,
              bucket_drill("interactions", "duration_sec", "s", "interaction_type"), width=4),
        Chart("outcomes", "Outcome mix over time", (Query("interactions_outcomes"),), outcomes, outcomes_drill,
              width=4),
        Chart("feedback", "Feedback ratings", (Query("interactions_feedback"),), feedback, feedback_drill, width=4),
    ),
)


def layout(**query) -> html.Div:
    """Built from the URL query string; runs no query (Dash calls it once at start-up)."""
    return dashboard_layout(PAGE, query)


register(PAGE)
