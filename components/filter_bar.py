"""The filter bar shared by dashboard pages: dates, comparison, dimensions, tenant, copy link."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.view_state import COMPARISONS, PRESETS, ViewState
from queries.tables import CHANNELS, INTERACTION_TYPES, SPECIALTIES

# (id suffix, label, ViewState field, fixed options or None when a callback fills them)
DIMENSIONS = (
    ("channel", "Channel", "channels", CHANNELS),
    ("type", "Interaction type", "interaction_types", INTERACTION_TYPES),
    ("specialty", "Specialty", "specialties", SPECIALTIES),
    ("model", "Model version", "model_versions", None),
)


def filter_bar(page: str, state: ViewState, *, show_tenants: bool) -> dbc.Card:
    """Controls whose ids are `<page>-range`, `-dates`, `-compare`, `-channel`, `-type`,
    `-specialty`, `-model`, `-tenant` and `-copy-link`."""
    period = [
        _labelled("Date range", dcc.Dropdown(
            id=f"{page}-range",
            options=[{"label": label, "value": key} for key, label in PRESETS.items()],
            value=state.preset, clearable=False, searchable=False,
        ), md=3, lg=2),
        _labelled("From – to", dcc.DatePickerRange(
            id=f"{page}-dates",
            start_date=state.start.isoformat(),
            end_date=state.end.isoformat(),
            display_format="YYYY-MM-DD",
            first_day_of_week=1,
            minimum_nights=0,
        ), md=5, lg=3, xs=12),
        _labelled("Compare with", dcc.Dropdown(
            id=f"{page}-compare",
            options=[{"label": label, "value": key} for key, label in COMPARISONS.items()],
            value=state.compare, clearable=False, searchable=False,
        ), md=3, lg=2),
    ]
    dimensions = [
        _labelled(label, dcc.Dropdown(
            id=f"{page}-{suffix}",
            options=_options(options if options is not None else getattr(state, field)),
            value=list(getattr(state, field)),
            multi=True,
            placeholder="All",
        ), md=3, lg=True)
        for suffix, label, field, options in DIMENSIONS
    ]
    dimensions.append(_labelled("Tenant", dcc.Dropdown(
        id=f"{page}-tenant", options=_options(state.tenants), value=list(state.tenants),
        multi=True, placeholder="All tenants",
    ), md=3, lg=True, hidden=not show_tenants))
    copy = dbc.Col(
        html.Div([
            dcc.Clipboard(id=f"{page}-copy-link", title="Copy a link to this view",
                          className="btn btn-outline-secondary btn-sm copy-link"),
            html.Span("Copy link", className="small text-muted ms-1"),
        ], className="d-flex align-items-center h-100 pt-md-3"),
        xs=12, md=1, lg=True,
    )
    return dbc.Card(
        dbc.CardBody([
            dbc.Row(period + [copy], className="g-2 align-items-end mb-1"),
            dbc.Row(dimensions, className="g-2 align-items-end"),
        ]),
        className="filter-bar mb-3",
    )


def _options(values) -> list[dict]:
    return [{"label": str(v).replace("_", " "), "value": v} for v in values]


def _labelled(label: str, control, *, md: int, lg: int | bool, xs: int = 6, hidden: bool = False) -> dbc.Col:
    return dbc.Col(
        [html.Label(label, className="form-label small text-muted mb-1"), control],
        xs=xs, md=md, lg=lg, style={"display": "none"} if hidden else None,
        className="filter-control",
    )
