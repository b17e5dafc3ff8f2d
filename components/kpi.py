"""KPI cards: a value and its change against the comparison period."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import format as fmt


def kpi_card(label: str, value: str, delta: float | None, *, higher_is_better: bool = True) -> dbc.Card:
    """One headline number. `delta` is a relative change (0.12 = +12%) or None."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(label, className="kpi-label"),
                html.Div(value, className="kpi-value"),
                _delta_badge(delta, higher_is_better),
            ]
        ),
        className="kpi-card h-100",
    )


def _delta_badge(delta: float | None, higher_is_better: bool) -> html.Div:
    if delta is None:
        return html.Div("no comparison", className="kpi-delta text-muted")
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "■"
    good = (delta > 0) == higher_is_better if delta != 0 else None
    tone = "text-muted" if good is None else "kpi-good" if good else "kpi-bad"
    return html.Div(f"{arrow} {fmt.percent(abs(delta))} vs previous period", className=f"kpi-delta {tone}")


def kpi_row(cards: list) -> dbc.Row:
    return dbc.Row([dbc.Col(card, xs=6, md=4, xl=True, className="mb-3") for card in cards], className="g-3")
