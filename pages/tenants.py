"""Tenants: every organisation the user may see, with its usage in the last 30 days.

The README's "Add a page" worked example: one page module plus queries/sql/tenant_summary.sql.
"""

from __future__ import annotations

import datetime as dt

import dash
import dash_ag_grid as dag
from dash import Input, Output, callback, html

from auth import current_principal
from components.states import error_state
from pages._dashboard import anchor_day
from queries import Filters, QueryError, run

dash.register_page(__name__, path="/tenants", name="Tenants", title="Tenants", order=90)

COLUMNS = [
    {"field": "name", "headerName": "Tenant", "flex": 2},
    {"field": "region"},
    {"field": "plan"},
    {"field": "go_live_date", "headerName": "Go-live"},
    {"field": "interactions", "type": "numericColumn", "valueFormatter": {"function": "d3.format(',')(params.value)"}},
    {"field": "active_clinicians", "headerName": "Active clinicians", "type": "numericColumn"},
    {"field": "failure_rate", "headerName": "Failure rate", "type": "numericColumn",
     "valueFormatter": {"function": "params.value == null ? '–' : d3.format('.1%')(params.value)"}},
]


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H1("Tenants", className="page-title"),
            html.P("Usage in the last 30 days of data.", className="text-muted"),
            html.Div(id="tenants-message"),
            dag.AgGrid(id="tenants-grid", columnDefs=COLUMNS, rowData=[], className="ag-theme-alpine",
                       dashGridOptions={"domLayout": "autoHeight"}, defaultColDef={"sortable": True, "flex": 1}),
        ]
    )


@callback(
    Output("tenants-grid", "rowData"),
    Output("tenants-message", "children"),
    Input("tenants-grid", "id"),
)
def load_tenants(_):
    end = anchor_day()
    try:
        frame = run("tenant_summary", current_principal(), filters=Filters(end - dt.timedelta(days=29), end))
    except QueryError as err:
        return [], error_state(err.message, err.query_id)
    frame["go_live_date"] = frame["go_live_date"].dt.strftime("%Y-%m-%d")
    return frame.to_dict("records"), None
