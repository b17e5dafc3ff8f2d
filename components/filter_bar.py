"""The filter bar shared by dashboard pages: date range with presets, channel, tenant, copy link."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.view_state import PRESETS, ViewState
from queries.tables import CHANNELS


def filter_bar(page: str, state: ViewState, *, show_tenants: bool) -> dbc.Card:
    """Controls whose ids are `<page>-range`, `-dates`, `-channel`, `-tenant`, `-copy-link`."""
    controls = [
        _labelled("Date range", dcc.Dropdown(
            id=f"{page}-range",
            options=[{"label": label, "value": key} for key, label in PRESETS.items()],
            value=state.preset,
            clearable=False,
            searchable=False,
        ), md=2),
        _labelled("From – to", dcc.DatePickerRange(
            id=f"{page}-dates",
            start_date=state.start.isoformat(),
            end_date=state.end.isoformat(),
            display_format="YYYY-MM-DD",
            first_day_of_week=1,
            minimum_nights=0,
        ), md=3),
        _labelled("Channel", dcc.Dropdown(
            id=f"{page}-channel",
            options=[{"label": c.replace("_", " "), "value": c} for c in CHANNELS],
            value=list(state.channels),
            multi=True,
            placeholder="All channels",
        ), md=3),
    ]
    tenant_picker = dcc.Dropdown(
        id=f"{page}-tenant", options=[{"label": t, "value": t} for t in state.tenants],
        value=list(state.tenants), multi=True, placeholder="All tenants",
    )
    controls.append(_labelled("Tenant", tenant_picker, md=3, hidden=not show_tenants))
    controls.append(dbc.Col(
        html.Div([
            dcc.Clipboard(id=f"{page}-copy-link", title="Copy a link to this view",
                          className="btn btn-outline-secondary btn-sm copy-link"),
            html.Span("Copy link", className="small text-muted ms-1"),
        ], className="d-flex align-items-center h-100 pt-3"),
        md=1,
    ))
    return dbc.Card(dbc.CardBody(dbc.Row(controls, className="g-2 align-items-end")),
                    className="filter-bar mb-3")


def _labelled(label: str, control, *, md: int, hidden: bool = False) -> dbc.Col:
    return dbc.Col(
        [html.Label(label, className="form-label small text-muted mb-1"), control],
        xs=12, md=md, style={"display": "none"} if hidden else None,
    )
