"""Saved queries: search, favourites, open, versions with diff and restore, JSON import and export."""

from __future__ import annotations

import base64
import binascii
import json

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

import auth
from store.db import get_database
from store.saved import NotAllowed, NotFound, SavedQueries, SavedQuery, SavedQueryError, may_edit

dash.register_page(__name__, path="/saved", name="Saved queries", title="Saved queries", order=60,
                   permission="explore")
PAGE = "saved"
MAX_IMPORT_BYTES = 2_000_000

COLUMNS = [
    {"field": "favourite", "headerName": "★", "width": 60, "flex": 0,
     "valueFormatter": {"function": "params.value ? '★' : ''"}},
    {"field": "name", "flex": 2},
    {"field": "kind", "width": 100, "flex": 0},
    {"field": "owner", "width": 120, "flex": 0},
    {"field": "visibility", "width": 120, "flex": 0},
    {"field": "tags"},
    {"field": "version", "width": 100, "flex": 0},
    {"field": "updated_at", "headerName": "Updated (UTC)"},
]


def layout(**_query) -> html.Div:
    return html.Div([
        html.H1("Saved queries", className="page-title"),
        dbc.Card(dbc.CardBody(dbc.Row([
            dbc.Col(dbc.Input(id=f"{PAGE}-search", placeholder="Search by name or tag", debounce=True), md=5),
            dbc.Col(dbc.Switch(id=f"{PAGE}-favourites", label="Favourites only", value=False), md=3,
                    className="pt-2"),
            dbc.Col([
                dcc.Upload(dbc.Button("Import JSON", color="secondary", outline=True, size="sm"),
                           id=f"{PAGE}-import", accept=".json,application/json", max_size=MAX_IMPORT_BYTES),
                dbc.Button("Export JSON", id=f"{PAGE}-export", color="secondary", outline=True, size="sm",
                           className="ms-2"),
            ], md=4, className="d-flex justify-content-md-end align-items-start"),
        ], className="g-2")), className="filter-bar mb-3"),
        html.Div(id=f"{PAGE}-message"),
        dcc.Store(id=f"{PAGE}-refresh", data=0),
        dcc.Download(id=f"{PAGE}-download"),
        dag.AgGrid(id=f"{PAGE}-grid", columnDefs=COLUMNS, rowData=[], className="ag-theme-alpine mb-3",
                   getRowId="params.data.id", defaultColDef={"sortable": True, "resizable": True, "flex": 1},
                   dashGridOptions={"rowSelection": {"mode": "singleRow", "enableClickSelection": True,
                                                     "checkboxes": False}, "domLayout": "autoHeight",
                                    "pagination": True, "paginationPageSize": 20}),
        html.Div("Select a saved query to open it, see its versions or restore one.", id=f"{PAGE}-hint",
                 className="text-muted"),
        _detail_card(),
    ])


def _detail_card() -> dbc.Card:
    """Always in the layout (hidden until a row is chosen), so every id its callbacks use exists."""
    return dbc.Card(dbc.CardBody([
        html.H2(id=f"{PAGE}-title", className="h5"),
        html.P(id=f"{PAGE}-description", className="text-muted"),
        html.Div([
            dbc.Button("Open", id=f"{PAGE}-open", href="/saved", color="primary", size="sm"),
            dbc.Button("Favourite", id=f"{PAGE}-favourite", color="warning", outline=True, size="sm",
                       className="ms-2"),
            dbc.Button("Delete", id=f"{PAGE}-delete", color="danger", outline=True, size="sm", className="ms-2"),
        ], className="mb-3"),
        dcc.Store(id=f"{PAGE}-selected"),
        html.H3("Versions", className="h6"),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id=f"{PAGE}-older", clearable=False), md=5),
            dbc.Col(dcc.Dropdown(id=f"{PAGE}-newer", clearable=False), md=5),
            dbc.Col(dbc.Button("Restore older", id=f"{PAGE}-restore", size="sm", color="secondary"), md=2),
        ], className="g-2 mb-2"),
        html.Pre(id=f"{PAGE}-diff", className="sql-text"),
    ]), id=f"{PAGE}-detail", className="chart-card", style={"display": "none"})


def _store() -> SavedQueries:
    return SavedQueries(get_database())


def _row(query: SavedQuery) -> dict:
    return {"id": query.id, "favourite": query.favourite, "name": query.name, "kind": query.kind,
            "owner": query.owner, "visibility": query.visibility, "tags": ", ".join(query.tags),
            "version": query.version, "updated_at": query.updated_at[:16].replace("T", " ")}


@callback(
    Output(f"{PAGE}-grid", "rowData"),
    Input(f"{PAGE}-search", "value"),
    Input(f"{PAGE}-favourites", "value"),
    Input(f"{PAGE}-refresh", "data"),
)
def list_queries(search, favourites_only, _refresh):
    principal = auth.callback_principal("explore")
    return [_row(q) for q in _store().list(principal, search=str(search or "")[:100],
                                            favourites_only=bool(favourites_only))]


@callback(
    Output(f"{PAGE}-detail", "style"),
    Output(f"{PAGE}-hint", "style"),
    Output(f"{PAGE}-title", "children"),
    Output(f"{PAGE}-description", "children"),
    Output(f"{PAGE}-open", "href"),
    Output(f"{PAGE}-favourite", "children"),
    Output(f"{PAGE}-delete", "disabled"),
    Output(f"{PAGE}-restore", "disabled"),
    Output(f"{PAGE}-selected", "data"),
    Output(f"{PAGE}-older", "options"),
    Output(f"{PAGE}-older", "value"),
    Output(f"{PAGE}-newer", "options"),
    Output(f"{PAGE}-newer", "value"),
    Input(f"{PAGE}-grid", "selectedRows"),
    Input(f"{PAGE}-refresh", "data"),
)
def show_detail(selected, _refresh):
    hidden = ({"display": "none"}, None, "", "", "/saved", "Favourite", True, True, None, [], None, [], None)
    if not selected:
        return hidden
    principal = auth.callback_principal("explore")
    try:
        query = _store().get(principal, int(selected[0]["id"]))
        versions = _store().versions(principal, query.id)
    except (NotFound, ValueError, KeyError, TypeError):
        return hidden
    editable = may_edit(principal, query)
    numbers = [{"label": f"v{v['version']} · {v['saved_at'][:16].replace('T', ' ')} · {v['saved_by']}",
                "value": v["version"]} for v in versions]
    older = versions[1]["version"] if len(versions) > 1 else versions[0]["version"]
    return (None, {"display": "none"}, query.name, query.description or "No description.", _open_href(query),
            "Unfavourite" if query.favourite else "Favourite", not editable, not editable, query.id,
            numbers, older, numbers, versions[0]["version"])


def _open_href(query: SavedQuery) -> str:
    if query.kind == "sql":
        return f"/sql?saved={query.id}"
    try:
        link = json.loads(query.body).get("link", "")
    except (json.JSONDecodeError, AttributeError):
        link = ""
    link = link if isinstance(link, str) and link.startswith("?") else "?"
    return f"/explore{link}{'&' if len(link) > 1 else ''}saved={query.id}"


@callback(
    Output(f"{PAGE}-diff", "children"),
    Input(f"{PAGE}-older", "value"),
    Input(f"{PAGE}-newer", "value"),
    State(f"{PAGE}-selected", "data"),
    prevent_initial_call=True,
)
def show_diff(older, newer, query_id):
    if query_id is None:
        return ""
    principal = auth.callback_principal("explore")
    try:
        diff = _store().diff(principal, int(query_id), int(older), int(newer))
    except (NotFound, TypeError, ValueError):
        return "No such version."
    return diff or "The two versions are the same."


@callback(
    Output(f"{PAGE}-refresh", "data"),
    Output(f"{PAGE}-message", "children"),
    Input(f"{PAGE}-favourite", "n_clicks"),
    Input(f"{PAGE}-delete", "n_clicks"),
    Input(f"{PAGE}-restore", "n_clicks"),
    State(f"{PAGE}-selected", "data"),
    State(f"{PAGE}-older", "value"),
    State(f"{PAGE}-refresh", "data"),
    prevent_initial_call=True,
)
def change_query(_favourite, _delete, _restore, query_id, older, refresh):
    principal = auth.callback_principal("explore")
    store, action = _store(), ctx.triggered_id
    try:
        query = store.get(principal, int(query_id))
        if action == f"{PAGE}-favourite":
            store.set_favourite(principal, query.id, not query.favourite)
            message = None
        elif action == f"{PAGE}-delete":
            store.delete(principal, query.id)
            message = _note(f"Deleted “{query.name}”.", "secondary")
        else:
            restored = store.restore(principal, query.id, int(older))
            message = _note(f"Restored version {older} as version {restored.version}.", "success")
    except NotAllowed as err:
        return no_update, _note(str(err), "warning")
    except (NotFound, TypeError, ValueError):
        return no_update, _note("That saved query is no longer available.", "warning")
    return (refresh or 0) + 1, message


@callback(
    Output(f"{PAGE}-download", "data"),
    Input(f"{PAGE}-export", "n_clicks"),
    prevent_initial_call=True,
)
def export_queries(_clicks):
    principal = auth.callback_principal("explore")
    return dcc.send_string(_store().export_json(principal), "saved-queries.json")


@callback(
    Output(f"{PAGE}-refresh", "data", allow_duplicate=True),
    Output(f"{PAGE}-message", "children", allow_duplicate=True),
    Input(f"{PAGE}-import", "contents"),
    State(f"{PAGE}-refresh", "data"),
    prevent_initial_call=True,
)
def import_queries(contents, refresh):
    principal = auth.callback_principal("explore")
    try:
        text = base64.b64decode(str(contents).split(",", 1)[1]).decode("utf-8")
        imported = _store().import_json(principal, text)
    except (IndexError, binascii.Error, UnicodeDecodeError):
        return no_update, _note("That file could not be read as JSON text.", "warning")
    except SavedQueryError as err:
        return no_update, _note(f"Nothing imported: {err}", "warning")
    return (refresh or 0) + 1, _note(f"Imported {len(imported)} saved queries.", "success")


def _note(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, dismissable=True, className="py-2")
