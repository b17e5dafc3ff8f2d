"""Overview: headline KPIs against a comparison period, the daily trend with anomalies and an
optional forecast, the mix by type and channel, and plain-language insights."""

from __future__ import annotations

from functools import lru_cache

import dash
import pandas as pd
from dash import html

from components import figures
from components import format as fmt
from insights import anomaly_sentence, detect_anomalies, forecast_daily, rollout_sentence, top_mover_sentence
from pages._charts import day_drill
from pages._dashboard import Chart, ChartInput, DashboardPage, Kpi, Option, Query, register, trim
from pages._dashboard import layout as dashboard_layout
from queries.grid import Drill

dash.register_page(__name__, path="/", name="Overview", title="Overview", order=0, permission="dashboards")

# Anomaly baselines compare each day with the same weekday up to three weeks either side: load
# that much history before the period so its first days are judged too.
LOOKBACK_DAYS = 28
DAILY = Query("overview_daily", lookback_days=LOOKBACK_DAYS)

# (column of overview_daily, label, formatter, which departures count)
WATCHED = (
    ("interactions", "Interactions", fmt.number, "both"),
    ("failure_rate", "Failure rate", lambda v: fmt.percent(v, 0), "up"),
    ("p95_latency_ms", "p95 latency", fmt.milliseconds, "up"),
)


def anomalies(daily: pd.DataFrame) -> dict[str, list]:
    """Column -> anomalies found in the daily frame (with its lookback)."""
    days = tuple(pd.to_datetime(daily["day"]).dt.strftime("%Y-%m-%d"))
    return {column: _detect(days, tuple(daily[column].astype("float64").tolist()), direction)
            for column, _, _, direction in WATCHED}


@lru_cache(maxsize=512)
def _detect(days: tuple[str, ...], values: tuple[float, ...], direction: str) -> list:
    """Memoised on the series itself: the trend chart and the insights panel ask for the same
    series, and a warm callback must not recompute them."""
    return detect_anomalies(pd.Series(values, index=pd.to_datetime(list(days))), direction=direction)


def _in_view(items: list, data: ChartInput) -> list:
    start, end = pd.Timestamp(data.state.start), pd.Timestamp(data.state.end)
    return [a for a in items if start <= a.day <= end]


def trend(data: ChartInput) -> dict:
    full = data.frame("overview_daily")
    found = anomalies(full)
    flagged = _in_view(found["interactions"], data) + _in_view(found["failure_rate"], data)
    forecast = None
    if data.options.get("forecast"):
        forecast = forecast_daily(full.set_index(pd.to_datetime(full["day"]))["interactions"], horizon=21)
    return figures.trend_figure(trim(full, data.state), anomalies=[f"{a.day:%Y-%m-%d}" for a in flagged],
                                forecast=forecast)


def trend_data(data: ChartInput) -> pd.DataFrame:
    return trim(data.frame("overview_daily"), data.state)


def trend_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    failed = (("eq", "status", "failed"),) if trace == "Failure rate" else ()
    return day_drill("interactions", point, "Failed interactions" if failed else "Interactions", failed)


def breakdown(data: ChartInput) -> dict:
    return figures.breakdown_figure(data.frame(), category="interaction_type", series="channel",
                                    value="interactions")


def breakdown_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    kind = point.get("y")
    if not isinstance(kind, str) or trace is None:
        return None
    return Drill("interactions", f"{kind} via {trace}", (("eq", "interaction_type", kind), ("eq", "channel", trace)))


def insights_panel(data: ChartInput) -> html.Div:
    """Sentences first (what a reader should know), then the anomalous days they come from."""
    daily = data.frame("overview_daily")
    found = anomalies(daily)
    sentences, rows = [], []
    for column, label, formatter, _ in WATCHED:
        in_view = _in_view(found[column], data)
        if in_view:
            worst = max(in_view, key=lambda a: abs(a.score))
            sentences.append(anomaly_sentence(label, worst, formatter))
        rows += [(a.day, label, formatter(a.value), formatter(a.expected)) for a in in_view]
    sentences += _rollout_sentences(daily, data.frame("model_versions"), data)
    mover = top_mover_sentence(trim(data.frame("interactions_mix"), data.state), dimension="channel",
                               value="interactions")
    if mover:
        sentences.append(mover)
    items = [html.Li(s, className="insight") for s in sentences] or [
        html.Li("Nothing unusual in this period.", className="insight text-muted")]
    table = html.Table(
        [html.Thead(html.Tr([html.Th("Day"), html.Th("Metric"), html.Th("Value"), html.Th("Normally")]))]
        + [html.Tbody([html.Tr([html.Td(f"{d:%a %b} {d.day}"), html.Td(m), html.Td(v), html.Td(e)])
                       for d, m, v, e in sorted(rows)])],
        className="table table-sm anomaly-table mb-0",
    ) if rows else html.P("No anomalous days in this period.", className="text-muted small mb-0")
    return html.Div([html.Ul(items, className="insights-list"), html.H6("Anomalous days", className="mt-3"), table])


def _rollout_sentences(daily: pd.DataFrame, versions: pd.DataFrame, data: ChartInput) -> list[str]:
    p95 = daily.set_index(pd.to_datetime(daily["day"]))["p95_latency_ms"]
    first = pd.Timestamp(data.state.start) - pd.Timedelta(days=LOOKBACK_DAYS)
    out = []
    for row in versions.itertuples():
        day = pd.Timestamp(row.first_day)
        if first < day <= pd.Timestamp(data.state.end):
            sentence = rollout_sentence("p95 latency", p95, row.model_version, day)
            if sentence:
                out.append(sentence)
    return out


PAGE = DashboardPage(
    page="overview",
    title="Overview",
    kpi_query="overview_kpis",
    spark_query="overview_spark",
    kpis=(
        Kpi("interactions", "Interactions", fmt.number, True, "interactions"),
        Kpi("active_clinicians", "Active clinicians", fmt.number, True, "active_clinicians"),
        Kpi("notes_drafted", "Notes drafted", fmt.number, True, "notes_drafted"),
        Kpi("acceptance_rate", "AI note acceptance", fmt.percent, True, "acceptance_rate"),
        Kpi("p95_latency_ms", "p95 AI latency", fmt.milliseconds, False, "p95_latency_ms"),
        Kpi("failure_rate", "Failure rate", fmt.percent, False, "failure_rate"),
        Kpi("ai_cost_usd", "AI cost", fmt.usd, False, "ai_cost_usd"),
    ),
    charts=(
        Chart("trend", "Daily interactions and failure rate", (DAILY,), trend, trend_drill, trend_data, width=8,
              options=(Option("forecast", "Forecast", kind="switch"),)),
        Chart("breakdown", "Interactions by type and channel", (Query("overview_breakdown"),), breakdown,
              breakdown_drill, width=4),
        Chart("insights", "Insights", (DAILY, Query("model_versions", whole_history=True),
                                       Query("interactions_mix")),
              insights_panel, width=12, kind="panel"),
    ),
)


def layout(**query) -> html.Div:
    """Built from the URL query string; runs no query (Dash calls it once at start-up)."""
    return dashboard_layout(PAGE, query)


register(PAGE)
