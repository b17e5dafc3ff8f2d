"""KPI cards: a value, its change against the comparison period, and a sparkline."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html

from components import format as fmt

SPARK_BARS = 40  # enough to show a shape, few enough to stay a handful of DOM nodes


def kpi_card(label: str, value: str, delta: float | None, *, higher_is_better: bool = True,
             spark: Sequence[float] | None = None, versus: str = "previous period") -> dbc.Card:
    """One headline number. `delta` is a relative change (0.12 = +12%) or None."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(label, className="kpi-label"),
                html.Div(value, className="kpi-value"),
                _delta_badge(delta, higher_is_better, versus),
                sparkline(spark or []),
            ]
        ),
        className="kpi-card h-100",
    )


def sparkline(values: Sequence[float]) -> html.Div:
    """A tiny bar chart drawn with CSS (no Plotly instance per card, so cards stay cheap)."""
    points = _downsample([float(v) for v in values if v == v], SPARK_BARS)  # v == v drops NaN
    if not points:
        return html.Div(className="sparkline sparkline-empty")
    top = max(points) or 1.0
    low = min(0.0, min(points))
    span = (top - low) or 1.0
    return html.Div(
        [html.Span(style={"height": f"{max(4, round((p - low) / span * 100))}%"}) for p in points],
        className="sparkline", title="Trend over the selected period",
    )


def _downsample(values: list[float], size: int) -> list[float]:
    if len(values) <= size:
        return values
    step = len(values) / size
    return [sum(chunk) / len(chunk) for chunk in
            (values[int(i * step):int((i + 1) * step)] for i in range(size)) if chunk]


def _delta_badge(delta: float | None, higher_is_better: bool, versus: str) -> html.Div:
    if delta is None:
        return html.Div("no comparison", className="kpi-delta text-muted")
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "■"
    good = (delta > 0) == higher_is_better if delta != 0 else None
    tone = "text-muted" if good is None else "kpi-good" if good else "kpi-bad"
    return html.Div(f"{arrow} {fmt.percent(abs(delta))} vs {versus}", className=f"kpi-delta {tone}")


def kpi_row(cards: list) -> dbc.Row:
    return dbc.Row([dbc.Col(card, xs=6, md=4, xl=True, className="mb-3") for card in cards], className="g-3")
