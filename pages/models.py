"""AI model performance: latency percentiles by model version with rollouts marked, failure rate,
tokens and cost per interaction, and two versions side by side."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from components import figures
from components import format as fmt
from pages._charts import day_drill
from pages._dashboard import Chart, ChartInput, DashboardPage, Kpi, Option, Query, register, trim
from pages._dashboard import layout as dashboard_layout
from queries.grid import Drill

dash.register_page(__name__, path="/models", name="AI models", title="AI model performance", order=30,
                   permission="dashboards")

PERCENTILES = (("p50_latency_ms", "p50"), ("p95_latency_ms", "p95"), ("p99_latency_ms", "p99"))
ROLLOUTS = Query("model_versions", whole_history=True)

# (column of model_summary, label, formatter, higher is better)
COMPARED = (
    ("interactions", "Interactions", fmt.number, None),
    ("p50_latency_ms", "p50 latency", fmt.milliseconds, False),
    ("p95_latency_ms", "p95 latency", fmt.milliseconds, False),
    ("p99_latency_ms", "p99 latency", fmt.milliseconds, False),
    ("failure_rate", "Failure rate", fmt.percent, False),
    ("tokens_per_interaction", "Tokens / interaction", fmt.number, None),
    ("cost_per_interaction", "Cost / interaction", fmt.usd_precise, False),
    ("avg_rating", "Avg rating", lambda v: fmt.decimal(v, 2), True),
)


def rollout_events(data: ChartInput) -> list[tuple[str, str]]:
    """Rollout days inside the view, as chart markers."""
    versions = data.frame("model_versions")
    start, end = pd.Timestamp(data.state.start), pd.Timestamp(data.state.end)
    return [(f"{pd.Timestamp(r.first_day):%Y-%m-%d}", r.model_version) for r in versions.itertuples()
            if start < pd.Timestamp(r.first_day) <= end]


def latency(data: ChartInput) -> dict:
    column = data.options.get("percentile") or "p95_latency_ms"
    frame = trim(data.frame("model_daily"), data.state)
    return figures.series_figure(frame, x="day", y=column, series="model_version", y_format=",.0f",
                                 events=rollout_events(data))


def version_day_drill(extra: tuple = (), label: str = "Interactions"):
    def drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
        where = ((("eq", "model_version", trace),) if trace else ()) + extra
        return day_drill("interactions", point, f"{label}, {trace}" if trace else label, where)
    return drill


def failures(data: ChartInput) -> dict:
    frame = trim(data.frame("model_daily"), data.state)
    return figures.series_figure(frame, x="day", y="failure_rate", series="model_version", y_format=".1%",
                                 events=rollout_events(data))


def usage(data: ChartInput) -> dict:
    column = data.options.get("metric") or "cost_per_interaction"
    frame = trim(data.frame("model_daily"), data.state)
    return figures.series_figure(frame, x="day", y=column, series="model_version",
                                 y_format="$.4f" if column == "cost_per_interaction" else ",.0f",
                                 events=rollout_events(data))


def comparison(data: ChartInput) -> dict:
    """A table of the two chosen versions' metrics, and the change from A to B."""
    summary = data.frame("model_summary").set_index("model_version")
    a, b = data.options.get("a"), data.options.get("b")
    if a not in summary.index or b not in summary.index:
        return figures.table_figure(["Metric"], [["Pick two versions that served traffic in this period"]])
    rows = []
    for column, label, formatter, better in COMPARED:
        va, vb = summary.at[a, column], summary.at[b, column]
        change = fmt.change(vb, va)
        verdict = "" if change is None or better is None or abs(change) < 0.005 else (
            " ✓" if (change > 0) == better else " ✗")
        rows.append([label, formatter(va), formatter(vb),
                     "–" if change is None else f"{change:+.1%}{verdict}"])
    return figures.table_figure(["Metric", a, b, f"{b} vs {a}"], rows)


def comparison_data(data: ChartInput) -> pd.DataFrame:
    return data.frame("model_summary")


def summary_bars(data: ChartInput) -> dict:
    return figures.grouped_bars_figure(
        data.frame("model_summary").melt(id_vars="model_version", value_vars=[c for c, _ in PERCENTILES],
                                         var_name="percentile", value_name="latency_ms")
        .assign(percentile=lambda f: f["percentile"].str[:3]),
        category="model_version", series="percentile", value="latency_ms", x_format=",.0f")


def summary_drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
    version = point.get("x")
    if not isinstance(version, str):
        return None
    return Drill("interactions", f"model {version}", (("eq", "model_version", version),))


PAGE = DashboardPage(
    page="models",
    title="AI model performance",
    kpi_query="model_kpis",
    spark_query="model_spark",
    kpis=(
        Kpi("p50_latency_ms", "p50 latency", fmt.milliseconds, False, "p50_latency_ms"),
        Kpi("p95_latency_ms", "p95 latency", fmt.milliseconds, False, "p95_latency_ms"),
        Kpi("p99_latency_ms", "p99 latency", fmt.milliseconds, False, "p99_latency_ms"),
        Kpi("failure_rate", "Failure rate", fmt.percent, False, "failure_rate"),
        Kpi("tokens_per_interaction", "Tokens / interaction", fmt.number, False, "tokens_per_interaction"),
        Kpi("cost_per_interaction", "Cost / interaction", fmt.usd_precise, False, "cost_per_interaction"),
    ),
    charts=(
        Chart("latency", "Latency by model version", (Query("model_daily"), ROLLOUTS), latency,
              version_day_drill(), lambda d: trim(d.frame("model_daily"), d.state), width=12,
              options=(Option("percentile", "Percentile", tuple((c, lbl) for c, lbl in PERCENTILES),
                              "p95_latency_ms"),)),
        Chart("failures", "Failure rate by model version", (Query("model_daily"), ROLLOUTS), failures,
              version_day_drill((("eq", "status", "failed"),), "Failed interactions"),
              lambda d: trim(d.frame("model_daily"), d.state), width=6),
        Chart("usage", "Tokens and cost per interaction", (Query("model_daily"), ROLLOUTS), usage,
              version_day_drill(), lambda d: trim(d.frame("model_daily"), d.state), width=6,
              options=(Option("metric", "Metric", (("cost_per_interaction", "Cost"),
                                                   ("tokens_per_interaction", "Tokens")),
                              "cost_per_interaction"),)),
        Chart("versions", "Latency percentiles by version", (Query("model_summary"),), summary_bars,
              summary_drill, comparison_data, width=6),
        Chart("side-by-side", "Compare two versions", (Query("model_summary"),), comparison, None, comparison_data,
              width=6, options=(Option("a", "Version A", kind="dropdown"), Option("b", "Version B", kind="dropdown"))),
    ),
)


def layout(**query) -> html.Div:
    """Built from the URL query string; runs no query (Dash calls it once at start-up)."""
    return dashboard_layout(PAGE, query)


register(PAGE)
