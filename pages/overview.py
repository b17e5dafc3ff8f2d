"""Overview: the headline KPIs against the previous period, the daily trend and the mix."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Output, callback, dcc, html

from auth import current_principal
from components import format as fmt
from components.chart import blank_figure, chart_card
from components.figures import breakdown_figure, trend_figure
from components.filter_bar import filter_bar
from components.kpi import kpi_card, kpi_row
from components.states import error_state, notice
from components.view_state import from_query
from pages._dashboard import anchor_day, filter_inputs, state_from_controls, wire_filter_bar
from queries import QueryError, run

dash.register_page(__name__, path="/", name="Overview", title="Overview", order=0)
PAGE = "overview"

# (column of overview_kpis, label, formatter, higher is better)
KPIS = (
    ("interactions", "Interactions", fmt.number, True),
    ("active_clinicians", "Active clinicians", fmt.number, True),
    ("notes_drafted", "Notes drafted", fmt.number, True),
    ("acceptance_rate", "AI note acceptance", fmt.percent, True),
    ("p95_latency_ms", "p95 AI latency", fmt.milliseconds, False),
    ("failure_rate", "Failure rate", fmt.percent, False),
    ("ai_cost_usd", "AI cost", fmt.usd, False),
)


def layout(**query) -> html.Div:
    """Built from the URL query string; runs no query (Dash calls it once at start-up)."""
    state, messages = from_query(query, anchor_day())
    principal = current_principal()
    return html.Div(
        [
            html.H1("Overview", className="page-title"),
            html.Div(notice(messages), id=f"{PAGE}-notices"),  # about the URL this view came from
            html.Div(id=f"{PAGE}-status"),  # about the current filters
            filter_bar(PAGE, state, show_tenants=principal.all_tenants or len(principal.tenants or ()) > 1),
            dcc.Store(id=f"{PAGE}-url"),
            dcc.Loading(html.Div(kpi_row([_placeholder(label) for _, label, _, _ in KPIS]), id=f"{PAGE}-kpis"),
                        type="dot", delay_show=150),
            dbc.Row(
                [
                    dbc.Col(chart_card("Daily interactions and failure rate", f"{PAGE}-trend",
                                       f"{PAGE}-trend-message"), lg=8),
                    dbc.Col(chart_card("Interactions by type and channel", f"{PAGE}-breakdown",
                                       f"{PAGE}-breakdown-message"), lg=4),
                ]
            ),
        ]
    )


def _placeholder(label: str):
    return kpi_card(label, "…", None)


wire_filter_bar(PAGE)


@callback(
    Output(f"{PAGE}-kpis", "children"),
    Output(f"{PAGE}-url", "data"),
    Output(f"{PAGE}-status", "children"),
    *filter_inputs(PAGE),
)
def update_kpis(preset, start, end, channels, tenants):
    state, messages = state_from_controls(preset, start, end, channels, tenants)
    principal, filters = current_principal(), state.filters()
    try:
        now = run("overview_kpis", principal, filters=filters)
        before = run("overview_kpis", principal, filters=filters.previous_period())
    except QueryError as err:
        return error_state(err.message, err.query_id), state.query_string(), notice(messages)
    if now.empty or int(now.at[0, "interactions"]) == 0:
        messages = messages + ["No data for these filters."]
    cards = [
        kpi_card(label, formatter(now.at[0, column]), fmt.change(now.at[0, column], before.at[0, column]),
                 higher_is_better=higher)
        for column, label, formatter, higher in KPIS
    ]
    return kpi_row(cards), state.query_string(), notice(messages)


@callback(
    Output(f"{PAGE}-trend", "figure"),
    Output(f"{PAGE}-trend-message", "children"),
    *filter_inputs(PAGE),
)
def update_trend(preset, start, end, channels, tenants):
    return _chart("overview_daily", lambda f: trend_figure(f), preset, start, end, channels, tenants)


@callback(
    Output(f"{PAGE}-breakdown", "figure"),
    Output(f"{PAGE}-breakdown-message", "children"),
    *filter_inputs(PAGE),
)
def update_breakdown(preset, start, end, channels, tenants):
    return _chart(
        "overview_breakdown",
        lambda f: breakdown_figure(f, category="interaction_type", series="channel", value="interactions"),
        preset, start, end, channels, tenants,
    )


def _chart(name, build, *controls):
    state, _ = state_from_controls(*controls)
    try:
        frame = run(name, current_principal(), filters=state.filters())
    except QueryError as err:
        return blank_figure(), error_state(err.message, err.query_id)
    if frame.empty:
        return blank_figure("No data for these filters"), None
    return build(frame), None
