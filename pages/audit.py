"""Audit log (admins): sign-ins, page views, queries, exports and admin actions, with filters."""

from __future__ import annotations

import datetime as dt

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from auth import requires, roles
from components.states import notice
from components.view_state import parse_choices, parse_day
from store import AuditEvent, AuditLog, get_database
from store.audit import EVENTS, OUTCOMES

dash.register_page(__name__, path="/audit", name="Audit log", title="Audit log", order=100,
                   permission=roles.AUDIT_LOG)
PAGE = "audit"
SHOWN = 1000
DEFAULT_DAYS = 7

COLUMNS = [
    {"field": "at", "headerName": "Time (UTC)", "minWidth": 190, "sort": "desc"},
    {"field": "event", "minWidth": 120},
    {"field": "user_id", "headerName": "User", "minWidth": 110},
    {"field": "role", "maxWidth": 110},
    {"field": "tenants", "minWidth": 100},
    {"field": "ip", "headerName": "Address", "minWidth": 120},
    {"field": "outcome", "maxWidth": 110},
    {"field": "detail", "flex": 3, "minWidth": 300, "tooltipField": "detail"},
]


def layout(**_query) -> html.Div:
    """The filters and an empty grid; the callback fills it (no query at start-up)."""
    today = dt.datetime.now(dt.UTC).date()
    return html.Div(
        [
            html.H1("Audit log", className="page-title"),
            html.Div(id=f"{PAGE}-notices"),
            dbc.Card(dbc.CardBody(dbc.Row(
                [
                    _labelled("From – to", dcc.DatePickerRange(
                        id=f"{PAGE}-dates", start_date=(today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
                        end_date=today.isoformat(), display_format="YYYY-MM-DD", first_day_of_week=1,
                        minimum_nights=0), md=3),
                    _labelled("Event", dcc.Dropdown(
                        id=f"{PAGE}-events", options=[{"label": e.replace("_", " "), "value": e} for e in EVENTS],
                        value=[], multi=True, placeholder="All events"), md=3),
                    _labelled("User", dcc.Dropdown(id=f"{PAGE}-users", options=[], value=[], multi=True,
                                                   placeholder="All users"), md=3),
                    _labelled("Outcome", dcc.Dropdown(
                        id=f"{PAGE}-outcomes", options=[{"label": o, "value": o} for o in OUTCOMES],
                        value=[], multi=True, placeholder="All outcomes"), md=2),
                    dbc.Col(dbc.Button("Refresh", id=f"{PAGE}-refresh", color="secondary", outline=True,
                                       size="sm"), md=1, className="d-flex align-items-end"),
                ],
                className="g-2 align-items-end",
            )), className="filter-bar mb-3"),
            html.Div(id=f"{PAGE}-summary", className="small text-muted mb-2"),
            dag.AgGrid(
                id=f"{PAGE}-grid", columnDefs=COLUMNS, rowData=[], className="ag-theme-alpine",
                defaultColDef={"sortable": True, "resizable": True, "filter": True, "flex": 1},
                dashGridOptions={"pagination": True, "paginationPageSize": 50, "tooltipShowDelay": 300},
                style={"height": "70vh"},
            ),
        ]
    )


def _labelled(label: str, control, *, md: int) -> dbc.Col:
    return dbc.Col([html.Label(label, className="form-label small text-muted mb-1"), control], xs=12, md=md)


@callback(Output(f"{PAGE}-users", "options"), Input(f"{PAGE}-users", "id"))
@requires(roles.AUDIT_LOG)
def user_options(_):
    return [{"label": u, "value": u} for u in AuditLog(get_database()).users()]


@callback(
    Output(f"{PAGE}-grid", "rowData"),
    Output(f"{PAGE}-summary", "children"),
    Output(f"{PAGE}-notices", "children"),
    Input(f"{PAGE}-dates", "start_date"),
    Input(f"{PAGE}-dates", "end_date"),
    Input(f"{PAGE}-events", "value"),
    Input(f"{PAGE}-users", "value"),
    Input(f"{PAGE}-outcomes", "value"),
    Input(f"{PAGE}-refresh", "n_clicks"),
)
@requires(roles.AUDIT_LOG)
def search(start, end, events, users, outcomes, _refresh):
    messages: list[str] = []
    first, last = parse_day(start, "start", messages), parse_day(end, "end", messages)
    if first and last and last < first:
        messages.append("The end date was before the start date; the two were swapped.")
        first, last = last, first
    filters = {
        "start": first, "end": last,
        "events": parse_choices(events, "event", lambda v: v in EVENTS, messages),
        "users": parse_choices(users, "user", lambda v: len(v) <= 100, messages),
        "outcomes": parse_choices(outcomes, "outcome", lambda v: v in OUTCOMES, messages),
    }
    log = AuditLog(get_database())
    rows = [_row(e) for e in log.search(**filters, limit=SHOWN)]
    total = log.count(**filters)
    summary = f"{total:,} event{'s' if total != 1 else ''}" + (f"; the newest {SHOWN:,} are shown." if total > SHOWN
                                                               else ".")
    return rows, summary, notice(messages)


def _row(event: AuditEvent) -> dict:
    detail = ", ".join(f"{k}={v}" for k, v in sorted(event.detail.items()) if v not in (None, ""))
    return {"at": event.at.replace("T", " ")[:23], "event": event.event, "user_id": event.user_id,
            "role": event.role, "tenants": event.tenants, "ip": event.ip, "outcome": event.outcome,
            "detail": detail}



