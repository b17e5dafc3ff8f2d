"""KPI cards: a value, its change against the comparison period, and a sparkline."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html

from components import format as fmt

SPARK_BARS = 40  # enough to show a shape, few enough to stay small
_SPARK_HEIGHT = 26
_BAR_STEP, _BAR_WIDTH = 4, 3
_SPARK_COLOR = "#60a5fa"  # readable on the light and the dark theme (an image does not see CSS)


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


def sparkline(values: Sequence[float]) -> html.Img:
    """A tiny bar chart as one inline SVG image: a single component per card, however many days
    (a Plotly graph or a DOM node per bar would cost far more to send and to draw)."""
    points = _downsample([float(v) for v in values if v is not None and v == v], SPARK_BARS)  # v == v drops NaN
    if not points:
        return html.Img(className="sparkline sparkline-empty", alt="")
    # Scaled between the series' own minimum and maximum, so a rate moving from 2.9% to 3.1% has
    # a visible shape; the lowest bar keeps a sliver of height.
    low, span = min(points), (max(points) - min(points)) or 1.0
    width = len(points) * _BAR_STEP
    bars = "".join(f"M{i * _BAR_STEP},{_SPARK_HEIGHT}v-{3 + (p - low) / span * (_SPARK_HEIGHT - 3):.1f}h{_BAR_WIDTH}V{_SPARK_HEIGHT}z"
                   for i, p in enumerate(points))
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {_SPARK_HEIGHT}' "
           f"preserveAspectRatio='none'><path fill='{_SPARK_COLOR}' d='{bars}'/></svg>")
    return html.Img(src="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(), className="sparkline", alt="",
                    title="Trend over the selected period")


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
    return dbc.Row([dbc.Col(card, xs=6, md=4, xl=True) for card in cards], className="g-2 g-md-3 mb-3")
