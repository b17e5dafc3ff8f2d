"""The drill-down panel: a title, export menu and a server-side (infinite row model) AG Grid."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from components.chart import export_menu

PAGE_SIZE = 100

# How each column reads in the grid; columns not listed get the defaults.
_NUMBER = {"type": "numericColumn", "filter": "agNumberColumnFilter"}
COLUMN_STYLE = {
    "interaction_id": {"headerName": "Interaction", **_NUMBER, "minWidth": 120},
    "note_id": {"headerName": "Note", **_NUMBER, "minWidth": 120},
    "started_at": {"headerName": "Started (UTC)", "filter": False, "minWidth": 170},
    "created_at": {"headerName": "Created (UTC)", "filter": False, "minWidth": 170},
    "clinician_id": {"headerName": "Clinician", **_NUMBER},
    "duration_sec": {"headerName": "Duration (s)", **_NUMBER},
    "ai_latency_ms": {"headerName": "Latency (ms)", **_NUMBER},
    "tokens_in": {"headerName": "Tokens in", **_NUMBER},
    "tokens_out": {"headerName": "Tokens out", **_NUMBER},
    "cost_usd": {"headerName": "Cost (USD)", **_NUMBER,
                 "valueFormatter": {"function": "params.value == null ? '' : d3.format('$.4f')(params.value)"}},
    "feedback_rating": {"headerName": "Rating", **_NUMBER},
    "word_count": {"headerName": "Words", **_NUMBER},
    "edit_ratio": {"headerName": "Edit ratio", **_NUMBER,
                   "valueFormatter": {"function": "params.value == null ? '' : d3.format('.0%')(params.value)"}},
    "time_to_sign_min": {"headerName": "Time to sign (min)", **_NUMBER,
                         "valueFormatter": {"function": "params.value == null ? '' : d3.format('.1f')(params.value)"}},
    "ai_generated": {"headerName": "AI drafted", "filter": False},
    "accepted": {"filter": False},
}


def column_defs(columns: tuple[str, ...]) -> list[dict]:
    return [{"field": c, "headerName": c.replace("_", " ").capitalize(), **COLUMN_STYLE.get(c, {})}
            for c in columns]


def detail_card(page: str, slot_id: str, title_id: str, card_id: str, close_id: str) -> dbc.Card:
    """Hidden until a mark is clicked. The grid itself is put into `slot_id` then (see `detail_grid`):
    an AG Grid costs the browser a noticeable time to set up, which no page should pay on load."""
    header = [
        html.Span("Details", id=title_id, className="chart-title-text"),
        html.Div([export_menu(page, "grid"),
                  dbc.Button("Close", id=close_id, size="sm", color="link", className="detail-close")],
                 className="chart-tools"),
    ]
    return dbc.Card([dbc.CardHeader(header, className="chart-title"),
                     dbc.CardBody(html.Div(id=slot_id), className="p-2")],
                    id=card_id, className="chart-card detail-card mb-3", style={"display": "none"})


def detail_grid(grid_id: str, columns: tuple[str, ...]) -> dag.AgGrid:
    """A server-side (infinite row model) grid of `columns`; it asks the server for each block of rows."""
    return dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=column_defs(columns),
        defaultColDef={"sortable": True, "filter": "agTextColumnFilter", "resizable": True, "minWidth": 110,
                       "flex": 1, "filterParams": {"maxNumConditions": 1, "buttons": ["reset"]}},
        dashGridOptions={"cacheBlockSize": PAGE_SIZE, "maxBlocksInCache": 20, "rowBuffer": 0,
                         "infiniteInitialRowCount": 1, "pagination": True, "paginationPageSize": PAGE_SIZE,
                         "paginationPageSizeSelector": False},
        className="ag-theme-quartz detail-grid",
        style={"height": "460px"},
    )
