"""Explore: pick metrics, up to two dimensions, a time grain and a chart; see the chart, data and SQL.

The SQL is built from the semantic catalog as a sqlglot tree (queries.explore) and run through the
same guard, tenant scope, cache and history as everything else. The whole view lives in the URL.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from werkzeug.exceptions import BadRequest

import auth
from components.chart import GRAPH_CONFIG, blank_figure
from components.explore_chart import CHART_TYPES, explore_figure
from components.explore_view import ExploreView, as_list, view_from_query, view_from_values
from components.filter_bar import filter_bar
from components.states import error_state, notice
from components.view_state import ViewState, from_query
from exports.access import audit_export, may_export
from exports.files import ExportContext, export_bytes, export_filename
from pages._dashboard import (
    anchor_day,
    filter_inputs,
    filter_states,
    state_from_controls,
    wire_filter_bar,
    write_url,
)
from queries import QueryError, QueryRejected, get_service
from queries.catalog import DIMENSIONS, METRICS, TIME_GRAINS
from queries.explore import MAX_DIMENSIONS, build
from store.db import get_database
from store.saved import NotFound, SavedQueries, SavedQueryError, may_edit

dash.register_page(__name__, path="/explore", name="Explore", title="Explore", order=50, permission="explore")
PAGE = "explore"


def layout(**query) -> html.Div:
    view, messages = view_from_query(query)
    state, filter_messages = from_query(query, anchor_day())
    principal = auth.current_principal()
    return html.Div([
        html.H1("Explore", className="page-title"),
        html.Div(notice(messages + filter_messages)),
        filter_bar(PAGE, state, show_tenants=principal.all_tenants or len(principal.tenants or ()) > 1),
        dcc.Store(id=f"{PAGE}-url"),
        dcc.Store(id=f"{PAGE}-saved-id", data=_saved_id(query.get("saved"))),  # Save adds a version to it
        dbc.Card(dbc.CardBody(dbc.Row([
            _control("Metrics", dcc.Dropdown(id=f"{PAGE}-metrics", multi=True, value=list(view.spec.metrics),
                                             options=[{"label": m.label, "value": k} for k, m in METRICS.items()]),
                     lg=3),
            _control(f"Split by (up to {MAX_DIMENSIONS})", dcc.Dropdown(
                id=f"{PAGE}-dims", multi=True, value=list(view.spec.dimensions),
                options=[{"label": d.label, "value": k} for k, d in DIMENSIONS.items()]), lg=3),
            _control("Time grain", dcc.Dropdown(
                id=f"{PAGE}-grain", value=view.spec.grain, placeholder="No time axis",
                options=[{"label": g.capitalize(), "value": g} for g in TIME_GRAINS]), lg=2),
            _control("Chart", dcc.Dropdown(id=f"{PAGE}-chart", value=view.chart, clearable=False,
                                           options=[{"label": v, "value": k} for k, v in CHART_TYPES.items()]),
                     lg=2),
            dbc.Col(dbc.ButtonGroup([
                dbc.Button("Save", id=f"{PAGE}-save-open", color="primary", size="sm"),
                dbc.Button("CSV", id=f"{PAGE}-export-csv", color="secondary", outline=True, size="sm"),
                dbc.Button("Excel", id=f"{PAGE}-export-xlsx", color="secondary", outline=True, size="sm"),
            ], className="mt-4"), lg=2, className="text-lg-end"),
        ], className="g-2")), className="filter-bar mb-3"),
        html.Div(id=f"{PAGE}-message"),
        dbc.Card([dbc.CardHeader("Chart", className="chart-title"), dbc.CardBody(dcc.Loading(
            dcc.Graph(id=f"{PAGE}-graph", config=GRAPH_CONFIG, figure=blank_figure(), style={"height": "380px"}),
            type="dot", delay_show=150))], className="chart-card mb-3"),
        dbc.Card([dbc.CardHeader("Data", className="chart-title"), dbc.CardBody(dag.AgGrid(
            id=f"{PAGE}-grid", rowData=[], columnDefs=[], className="ag-theme-alpine",
            dashGridOptions={"pagination": True, "paginationPageSize": 20, "domLayout": "autoHeight"},
            defaultColDef={"sortable": True, "filter": True, "resizable": True, "flex": 1}))],
            className="chart-card mb-3"),
        dbc.Card([dbc.CardHeader("SQL (Athena), scoped to your tenants when it runs", className="chart-title"),
                  dbc.CardBody(html.Pre(id=f"{PAGE}-sql", className="sql-text mb-0"))], className="chart-card mb-3"),
        dcc.Download(id=f"{PAGE}-download"),
        _save_modal(),
    ])


def _saved_id(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _control(label: str, control, *, lg: int) -> dbc.Col:
    return dbc.Col([html.Label(label, className="form-label small text-muted mb-1"), control], xs=12, md=6, lg=lg)


def _save_modal() -> dbc.Modal:
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Save this view")),
        dbc.ModalBody([
            dbc.Input(id=f"{PAGE}-save-name", placeholder="Name", maxlength=200, className="mb-2"),
            dbc.Textarea(id=f"{PAGE}-save-description", placeholder="Description (optional)", className="mb-2"),
            dbc.Input(id=f"{PAGE}-save-tags", placeholder="Tags, comma-separated", className="mb-2"),
            dbc.Select(id=f"{PAGE}-save-visibility", value="private", options=[
                {"label": "Private: only me", "value": "private"},
                {"label": "My tenant: people who share a tenant with me", "value": "tenant"},
                {"label": "Everyone (each sees their own tenants' data)", "value": "everyone"},
            ]),
            html.Div(id=f"{PAGE}-save-result", className="mt-2"),
        ]),
        dbc.ModalFooter(dbc.Button("Save", id=f"{PAGE}-save", color="primary")),
    ], id=f"{PAGE}-save-modal", is_open=False)


wire_filter_bar(PAGE)
write_url(PAGE)

VIEW_INPUTS = [Input(f"{PAGE}-{part}", "value") for part in ("metrics", "dims", "grain", "chart")]
VIEW_STATES = [State(f"{PAGE}-{part}", "value") for part in ("metrics", "dims", "grain", "chart")]


@callback(
    Output(f"{PAGE}-graph", "figure"),
    Output(f"{PAGE}-grid", "rowData"),
    Output(f"{PAGE}-grid", "columnDefs"),
    Output(f"{PAGE}-sql", "children"),
    Output(f"{PAGE}-message", "children"),
    Output(f"{PAGE}-url", "data"),
    *VIEW_INPUTS,
    *filter_inputs(PAGE),
)
def run_view(metrics, dimensions, grain, chart, *controls):
    if not as_list(metrics):
        return blank_figure("Choose at least one metric"), [], [], "", None, no_update
    view, state, frame, sql = _run(metrics, dimensions, grain, chart, controls, source="explore")
    if isinstance(frame, QueryError):
        return blank_figure(), [], [], sql, error_state(frame.message, frame.query_id), _url(view, state)
    if frame.empty:
        return blank_figure("No data for these filters"), [], [], sql, None, _url(view, state)
    keys = (["period"] if view.spec.grain else []) + list(view.spec.dimensions)
    labels = {k: m.label for k, m in METRICS.items()}
    figure = blank_figure("Table only") if view.chart == "table" else explore_figure(
        frame, keys, list(view.spec.metrics), view.chart, labels)
    columns = [{"field": c, "headerName": (METRICS[c].label if c in METRICS else
                                           DIMENSIONS[c].label if c in DIMENSIONS else c.capitalize())}
               for c in frame.columns]
    return figure, _records(frame), columns, sql, None, _url(view, state)


def _run(metrics, dimensions, grain, chart, controls, *, source: str):
    """(view, filter state, frame or the QueryError, the SQL shown). A bad request raises 400."""
    try:
        view = view_from_values(metrics, dimensions, grain, chart)
        sql = build(view.spec).sql("athena", pretty=True)
    except QueryRejected as err:
        raise BadRequest(err.message) from None  # names not in the catalog: a crafted request
    state, _ = state_from_controls(*controls)
    principal = auth.callback_principal("explore")
    try:
        frame = get_service().run_sql(sql, principal, filters=state.filters(), source=source)
    except QueryError as err:
        return view, state, err, sql
    return view, state, frame, sql


def _url(view: ExploreView, state: ViewState) -> str:
    filters = state.query_string().lstrip("?")
    own = urlencode(view.query_pairs())
    joined = "&".join(part for part in (own, filters) if part)
    return "?" + joined if joined else ""


def _records(frame) -> list[dict]:
    shown = frame.copy()
    for column in shown.columns:
        if str(shown[column].dtype).startswith("datetime64"):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d")
    return shown.to_dict("records")


@callback(
    Output(f"{PAGE}-save-modal", "is_open"),
    Output(f"{PAGE}-save-result", "children"),
    Output(f"{PAGE}-save-name", "value"),
    Output(f"{PAGE}-save-description", "value"),
    Output(f"{PAGE}-save-tags", "value"),
    Output(f"{PAGE}-save-visibility", "value"),
    Input(f"{PAGE}-save-open", "n_clicks"),
    State(f"{PAGE}-saved-id", "data"),
    prevent_initial_call=True,
)
def open_save(_open, saved_id):
    """The save form, filled in from the saved query this view was opened from (if the user owns it)."""
    principal = auth.callback_principal("explore")
    store = SavedQueries(get_database())
    try:
        query = store.get(principal, int(saved_id)) if saved_id is not None else None
    except (NotFound, TypeError, ValueError):
        query = None
    if query is None or not may_edit(principal, query):
        return True, None, no_update, no_update, no_update, no_update
    note = html.Div(f"Saving adds version {query.version + 1} of “{query.name}”.", className="small text-muted")
    return True, note, query.name, query.description, ", ".join(query.tags), query.visibility


@callback(
    Output(f"{PAGE}-save-result", "children", allow_duplicate=True),
    Output(f"{PAGE}-saved-id", "data"),
    Input(f"{PAGE}-save", "n_clicks"),
    State(f"{PAGE}-save-name", "value"),
    State(f"{PAGE}-save-description", "value"),
    State(f"{PAGE}-save-tags", "value"),
    State(f"{PAGE}-save-visibility", "value"),
    State(f"{PAGE}-url", "data"),
    State(f"{PAGE}-saved-id", "data"),
    *VIEW_STATES,
    prevent_initial_call=True,
)
def save_view(_save, name, description, tags, visibility, url, saved_id, metrics, dimensions, grain, chart):
    principal = auth.callback_principal("explore")
    try:
        view = view_from_values(metrics, dimensions, grain, chart)
    except QueryRejected as err:
        raise BadRequest(err.message) from None
    body = json.dumps({"metrics": list(view.spec.metrics), "dimensions": list(view.spec.dimensions),
                       "grain": view.spec.grain, "chart": view.chart, "link": url or ""}, sort_keys=True)
    store = SavedQueries(get_database())
    try:
        target = store.get(principal, int(saved_id)) if saved_id is not None else None
    except (NotFound, TypeError, ValueError):
        target = None
    try:
        saved = store.save(
            principal, kind="explore", name=name or "", body=body, description=description or "",
            tags=[t.strip() for t in (tags or "").split(",") if t.strip()], visibility=visibility or "private",
            query_id=target.id if target is not None and may_edit(principal, target) else None)
    except SavedQueryError as err:
        return dbc.Alert(str(err), color="warning", className="py-2 mb-0"), no_update
    return dbc.Alert([f"Saved “{saved.name}” as version ", html.Strong(saved.version), ". ",
                      dcc.Link("Open saved queries", href="/saved")], color="success", className="py-2 mb-0"), saved.id


@callback(
    Output(f"{PAGE}-download", "data"),
    Output(f"{PAGE}-message", "children", allow_duplicate=True),
    Input(f"{PAGE}-export-csv", "n_clicks"),
    Input(f"{PAGE}-export-xlsx", "n_clicks"),
    *VIEW_STATES,
    *filter_states(PAGE),
    prevent_initial_call=True,
)
def export_view(_csv, _xlsx, metrics, dimensions, grain, chart, *controls):
    fmt = "csv" if ctx.triggered_id == f"{PAGE}-export-csv" else "xlsx"
    principal = auth.current_principal()
    if not may_export(principal):
        audit_export(principal, surface=PAGE, target="explore", fmt=fmt, rows=0, allowed=False)
        return no_update, error_state("Exports need the analyst or admin role.")
    view, state, frame, sql = _run(metrics, dimensions, grain, chart, controls, source="explore")
    if isinstance(frame, QueryError):
        return no_update, error_state(frame.message, frame.query_id)
    audit_export(principal, surface=PAGE, target="explore", fmt=fmt, rows=len(frame), allowed=True)
    context = ExportContext(title="Explore", filters=_describe(view, state), sql=sql, user=principal.user_id)
    return dcc.send_bytes(export_bytes(frame, fmt, context), export_filename("explore", fmt)), None


def _describe(view: ExploreView, state: ViewState) -> dict[str, str]:
    described = {"Metrics": ", ".join(view.spec.metrics), "Split by": ", ".join(view.spec.dimensions) or "–",
                 "Time grain": view.spec.grain or "–", "From": state.start.isoformat(), "To": state.end.isoformat()}
    for label, values in (("Channels", state.channels), ("Tenants", state.tenants)):
        if values:
            described[label] = ", ".join(values)
    return described
