"""Clinician adoption: daily, weekly and monthly active clinicians with stickiness, new versus
returning clinicians, retention by signup month, and the most and least active tenants and
specialties (within the user's tenants)."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from components import figures
from components import format as fmt
from pages._charts import day_drill, period_drill
from pages._dashboard import Chart, ChartInput, DashboardPage, Kpi, Option, Query, register
from pages._dashboard import layout as dashboard_layout
from queries.grid import Drill

dash.register_page(__name__, path="/adoption", name="Clinician adoption", title="Clinician adoption", order=40,
                   permission="dashboards")

GRAINS = (("day", "Daily"), ("week", "Weekly"), ("month", "Monthly"))
_GRAIN_QUERY = {"day": "adoption_dau", "week": "adoption_wau", "month": "adoption_mau"}


def active(data: ChartInput) -> dict:
    grain = data.options.get("grain") or "day"
    frame = data.frame(_GRAIN_QUERY[grain])
    return figures.series_figure(frame, x=grain, y="active_clinicians", kind="line" if grain == "day" else "bar",
                                 y_format=",")


def active_data(data: ChartInput) -> pd.DataFrame:
    grain = data.options.get("grain") or "day"
    return data.frame(_GRAIN_QUERY[grain])


def _period(start: pd.Timestamp, grain: str) -> pd.Timestamp:
    if grain == "week":
        return start + pd.Timedelta(days=6)
    if grain == "month":
        return start + pd.offsets.MonthEnd(0)
    return start


def active_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    grain = data.options.get("grain") or "day"
    if grain == "day":
        return day_drill("interactions", point, "Activity")
    x = point.get("x")
    if not isinstance(x, str):
        return None
    first = pd.Timestamp(x[:10])
    return period_drill("interactions", first, _period(first, grain), f"Activity, {grain} of {x[:10]}")


def stickiness(data: ChartInput) -> dict:
    return figures.series_figure(data.frame(), x="month", y="stickiness", kind="bar", y_format=".0%")


def stickiness_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    x = point.get("x")
    if not isinstance(x, str):
        return None
    first = pd.Timestamp(x[:10])
    return period_drill("interactions", first, _period(first, "month"), f"Activity in {first:%B %Y}")


def new_returning(data: ChartInput) -> dict:
    frame = data.frame()
    long = pd.concat([pd.DataFrame({"week": frame["week"], "kind": label, "clinicians": frame[column]})
                      for column, label in (("returning_clinicians", "Returning"), ("new_clinicians", "New"))])
    return figures.series_figure(long, x="week", y="clinicians", series="kind", kind="bar", stack=True,
                                 y_format=",", order=["Returning", "New"])


def new_returning_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    x = point.get("x")
    if not isinstance(x, str):
        return None
    first = pd.Timestamp(x[:10])
    last = _period(first, "week")
    if trace == "New":
        signed = ("signup_range", first.date().isoformat(), last.date().isoformat())
    else:
        signed = ("signup_range", None, (first - pd.Timedelta(days=1)).date().isoformat())
    return period_drill("interactions", first, last, f"{trace or 'Active'} clinicians, week of {x[:10]}", (signed,))


def cohorts(data: ChartInput) -> dict:
    frame = data.frame()
    frame = frame.assign(cohort=pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m"))
    months = sorted(frame["cohort"].unique())
    offsets = list(range(int(frame["month_offset"].max()) + 1)) if not frame.empty else []
    figure = figures.heatmap_figure(frame, x="month_offset", y="cohort", z="retention", x_labels=offsets,
                                    y_labels=months, z_format=".0%", text_format=".0%")
    figure["layout"]["xaxis"]["title"] = {"text": "months since signup"}
    return figure


def cohort_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    cohort, offset = point.get("y"), point.get("x")
    try:
        month = pd.Timestamp(f"{cohort}-01")
        first = month + pd.DateOffset(months=int(offset))
    except (TypeError, ValueError):
        return None
    return period_drill("interactions", first, _period(first, "month"),
                        f"Clinicians who signed up in {month:%B %Y}, active in {first:%B %Y}",
                        (("signup_range", month.date().isoformat(), _period(month, "month").date().isoformat()),))


def tenants(data: ChartInput) -> dict:
    frame = data.frame().assign(label=lambda f: f["name"])
    return figures.ranked_bars_figure(frame, category="label", value="active_clinicians")


def tenant_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    names = data.frame().set_index("name")["tenant_id"]
    tenant = names.get(point.get("y"))
    return Drill("interactions", f"{point.get('y')}", (("eq", "tenant_id", tenant),)) if tenant else None


def specialties(data: ChartInput) -> dict:
    return figures.ranked_bars_figure(data.frame(), category="specialty", value="active_clinicians")


def specialty_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    specialty = point.get("y")
    return Drill("interactions", f"{specialty}", (("specialty", specialty),)) if isinstance(specialty, str) else None


PAGE = DashboardPage(
    page="adoption",
    title="Clinician adoption",
    kpi_query="adoption_kpis",
    spark_query="adoption_dau",
    kpis=(
        Kpi("active_clinicians", "Active clinicians", fmt.number, True, "active_clinicians"),
        Kpi("avg_dau", "Avg daily active", fmt.number, True, "active_clinicians"),
        Kpi("stickiness", "Stickiness (DAU / active)", fmt.percent, True),
        Kpi("new_clinicians", "New clinicians", fmt.number, True),
        Kpi("interactions_per_clinician", "Interactions / clinician", fmt.number, True),
    ),
    charts=(
        Chart("active", "Active clinicians", (Query("adoption_dau"), Query("adoption_wau"), Query("adoption_mau")),
              active, active_drill, active_data, width=8,
              options=(Option("grain", "Grain", GRAINS, "day"),)),
        Chart("stickiness", "Stickiness by month (DAU / MAU)", (Query("adoption_mau"),), stickiness,
              stickiness_drill, width=4),
        Chart("new-returning", "New and returning clinicians by week", (Query("adoption_new_returning"),),
              new_returning, new_returning_drill, width=6),
        Chart("cohorts", "Retention by signup month", (Query("adoption_cohorts"),), cohorts, cohort_drill, width=6),
        Chart("tenants", "Tenants by active clinicians", (Query("adoption_tenants"),), tenants, tenant_drill,
              width=6, height=380),
        Chart("specialties", "Specialties by active clinicians", (Query("adoption_specialties"),), specialties,
              specialty_drill, width=6, height=380),
    ),
)


def layout(**query) -> html.Div:
    """Built from the URL query string; runs no query (Dash calls it once at start-up)."""
    return dashboard_layout(PAGE, query)


register(PAGE)
