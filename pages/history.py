"""Query history: every run through the query layer, with filters, "Run again" and a cost summary.

Analysts see their own runs; admins (the `query_history` permission) see everyone's and may pick
users. That rule is applied in the callback, on the server: the user filter a browser sends is
ignored for anyone who is not an admin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

import auth
from auth import roles
from components import format as fmt
from components.states import notice
from components.view_state import parse_choices, parse_day
from store.db import get_database
from store.history import SORTABLE, HistoryFilter, QueryHistory

dash.register_page(__name__, path="/history", name="Query history", title="Query history", order=70,
                   permission=roles.SQL_LAB)

P = "history-"
SHOWN = 500
DEFAULT_DAYS = 30
SOURCES = {"page": "Dashboard page", "explore": "Explore", "sql": "SQL Lab"}
STATUSES = ("ok", "error")
SORT_LABELS = {"at": "Newest first", "duration_ms": "Slowest first", "rows": "Most rows first",
               "bytes_scanned": "Most bytes first", "cost_usd": "Most expensive first"}

_BYTES = {"function": "params.value == null ? '' : d3.format('.3~s')(params.value) + 'B'"}
_USD = {"function": "params.value == null ? '' : d3.format('$.4f')(params.value)"}
_NUMBER = {"type": "numericColumn"}
RUN_COLUMNS = [
    {"field": "at", "headerName": "Time (UTC)", "minWidth": 165},
    {"field": "user_id", "headerName": "User", "minWidth": 100},
    {"field": "tenants", "headerName": "Tenant", "minWidth": 90},
    {"field": "source", "headerName": "Source", "minWidth": 90},
    {"field": "query", "headerName": "SQL / query", "minWidth": 280, "flex": 3, "tooltipField": "query",
     "cellClass": "history-sql"},
    {"field": "again", "headerName": "Run again", "minWidth": 150, "sortable": False, "cellRenderer": "markdown"},
    {"field": "duration_ms", "headerName": "Duration (ms)", "minWidth": 120, **_NUMBER,
     "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.0f')(params.value)"}},
    {"field": "rows", "headerName": "Rows", "minWidth": 90, **_NUMBER},
    {"field": "bytes_scanned", "headerName": "Scanned", "minWidth": 100, **_NUMBER, "valueFormatter": _BYTES},
    {"field": "cost_usd", "headerName": "Est. cost", "minWidth": 100, **_NUMBER, "valueFormatter": _USD},
    {"field": "cache_hit", "headerName": "Cache hit", "minWidth": 90},
    {"field": "status", "headerName": "Status", "minWidth": 110, "tooltipField": "error"},
    {"field": "query_id", "headerName": "Engine query id", "minWidth": 150},
]
SUMMARY_COLUMNS = [
    {"field": "runs", "headerName": "Runs", **_NUMBER, "maxWidth": 90},
    {"field": "bytes_scanned", "headerName": "Scanned", **_NUMBER, "valueFormatter": _BYTES},
    {"field": "cost_usd", "headerName": "Est. cost", **_NUMBER, "valueFormatter": _USD},
    {"field": "cache_hit_ratio", "headerName": "Cache hits", **_NUMBER,
     "valueFormatter": {"function": "params.value == null ? '' : d3.format('.0%')(params.value)"}},
    {"field": "bytes_saved", "headerName": "Saved", **_NUMBER, "valueFormatter": _BYTES},
]
GROUPS = (("user", "Per user"), ("page", "Per page"), ("day", "Per day"))


# --- layout ----------------------------------------------------------------------------------


def layout(**_query) -> html.Div:
    """Filters, the headline figures, the runs and the cost summary; the callback fills them."""
    today = dt.datetime.now(dt.UTC).date()
    filters = dbc.Card(dbc.CardBody(dbc.Row(
        [
            _labelled("From – to", dcc.DatePickerRange(
                id=P + "dates", start_date=(today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
                end_date=today.isoformat(), display_format="YYYY-MM-DD", first_day_of_week=1, minimum_nights=0),
                md=3, xs=12),
            _labelled("Source", dcc.Dropdown(id=P + "sources", options=[{"label": v, "value": k}
                                                                         for k, v in SOURCES.items()],
                                             value=[], multi=True, placeholder="All sources"), md=2),
            _labelled("Status", dcc.Dropdown(id=P + "statuses", options=list(STATUSES), value=[], multi=True,
                                             placeholder="All"), md=1),
            _labelled("Text", dcc.Input(id=P + "text", type="search", debounce=True, placeholder="SQL or query name",
                                        className="form-control form-control-sm", maxLength=200), md=2),
            _labelled("User", dcc.Dropdown(id=P + "users", options=[], value=None, placeholder="All users",
                                           disabled=True), md=2, col_id=P + "user-col"),
            _labelled("Sort", dcc.Dropdown(id=P + "sort", options=[{"label": v, "value": k}
                                                                   for k, v in SORT_LABELS.items()],
                                           value="at", clearable=False), md=2),
        ],
        className="g-2 align-items-end",
    )), className="filter-bar mb-3")
    summaries = [
        dbc.Col(dbc.Card([dbc.CardHeader(title, className="chart-title"),
                          dbc.CardBody(dag.AgGrid(
                              id=P + f"by-{group}", rowData=[], className="ag-theme-quartz detail-grid history-summary-grid",
                              columnDefs=[{"field": group, "headerName": group.capitalize(), "minWidth": 120,
                                           "flex": 1.5}] + SUMMARY_COLUMNS,
                              defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 90},
                              dashGridOptions={"domLayout": "autoHeight", "pagination": True,
                                               "paginationPageSize": 10, "paginationPageSizeSelector": False},
                              style={"height": None}), className="p-2")],
                         className="chart-card"), xs=12, xl=6, className="mb-3")
        for group, title in GROUPS
    ]
    return html.Div(
        [
            html.H1("Query history", className="page-title"),
            html.Div(id=P + "scope", className="page-description text-muted small"),
            html.Div(id=P + "notices"),
            filters,
            html.Div(id=P + "totals", className="mb-3"),
            html.Div(id=P + "cache"),
            dbc.Card([
                dbc.CardHeader([html.Span("Runs", className="chart-title-text"),
                                html.Span(id=P + "count", className="small text-muted fw-normal")],
                               className="chart-title"),
                dbc.CardBody(dag.AgGrid(
                    id=P + "grid", columnDefs=RUN_COLUMNS, rowData=[], className="ag-theme-quartz detail-grid",
                    defaultColDef={"sortable": True, "resizable": True, "filter": False, "flex": 1},
                    dashGridOptions={"pagination": True, "paginationPageSize": 50, "tooltipShowDelay": 300,
                                     "paginationPageSizeSelector": False},
                    style={"height": "560px"}), className="p-2"),
            ], className="chart-card mb-3"),
            html.H2("Cost summary", className="h5 mt-2"),
            dbc.Row(summaries, className="g-3"),
        ]
    )


def _labelled(label: str, control, *, md: int, xs: int = 6, col_id: str | None = None) -> dbc.Col:
    extra = {"id": col_id} if col_id else {}
    return dbc.Col([html.Label(label, className="form-label small text-muted mb-1"), control], xs=xs, md=md, **extra)


# --- callbacks -------------------------------------------------------------------------------


@callback(
    Output(P + "users", "options"),
    Output(P + "users", "disabled"),
    Output(P + "user-col", "style"),
    Output(P + "scope", "children"),
    Input(P + "users", "id"),
)
def user_options(_):
    principal = auth.callback_principal(roles.SQL_LAB)
    if not auth.can(principal, roles.QUERY_HISTORY):  # the search callback enforces it; this is the view
        return [], True, {"display": "none"}, "Your own runs, on every page, in Explore and in SQL Lab."
    users = sorted(r["user"] for r in QueryHistory(get_database()).cost_summary("user", HistoryFilter()))
    return [{"label": u, "value": u} for u in users], False, {}, "Every user's runs (you are an admin)."


@callback(
    Output(P + "grid", "rowData"),
    Output(P + "count", "children"),
    Output(P + "totals", "children"),
    Output(P + "cache", "children"),
    Output(P + "by-user", "rowData"),
    Output(P + "by-page", "rowData"),
    Output(P + "by-day", "rowData"),
    Output(P + "notices", "children"),
    Input(P + "dates", "start_date"),
    Input(P + "dates", "end_date"),
    Input(P + "sources", "value"),
    Input(P + "statuses", "value"),
    Input(P + "text", "value"),
    Input(P + "users", "value"),
    Input(P + "sort", "value"),
)
def search(start, end, sources, statuses, text, user, sort):
    principal = auth.callback_principal(roles.SQL_LAB)
    messages: list[str] = []
    where = history_filter(principal, start=start, end=end, sources=sources, statuses=statuses, text=text,
                           user=user, sort=sort, messages=messages)
    history = QueryHistory(get_database())
    rows = [run_row(r) for r in history.search(where)]
    by_user = history.cost_summary("user", where)
    totals = _totals(by_user)
    count = f"{totals['runs']:,} run{'s' if totals['runs'] != 1 else ''}" + (
        f"; the first {SHOWN:,} are listed" if totals["runs"] > SHOWN else "")
    cache = _cache_counters() if auth.can(principal, roles.CACHE) else None
    return (rows, count, _totals_row(totals), cache, _rounded(by_user), _rounded(per_page(history, where)),
            _rounded(history.cost_summary("day", where)), notice(messages))


def history_filter(principal, *, start=None, end=None, sources=None, statuses=None, text=None, user=None,
                   sort="at", messages: list[str] | None = None) -> HistoryFilter:
    """The filter a request may ask for; a non-admin is always limited to their own runs."""
    messages = messages if messages is not None else []
    first, last = parse_day(start, "start", messages), parse_day(end, "end", messages)
    if first and last and last < first:
        messages.append("The end date was before the start date; the two were swapped.")
        first, last = last, first
    if auth.can(principal, roles.QUERY_HISTORY):
        user_id = user if isinstance(user, str) and user else None
    else:
        user_id = principal.user_id
    return HistoryFilter(
        user_id=user_id,
        sources=parse_choices(sources, "source", lambda v: v in SOURCES, messages),
        statuses=parse_choices(statuses, "status", lambda v: v in STATUSES, messages),
        start=first, end=last,
        text=text.strip()[:200] if isinstance(text, str) else "",
        sort=sort if sort in SORTABLE else "at",
        limit=SHOWN,
    )


def run_row(row: dict[str, Any]) -> dict[str, Any]:
    """One grid row: the SQL in full for ad hoc runs, the query name for named ones, and Run again."""
    adhoc = row["source"] in ("sql", "explore")
    status = row["status"] if not row.get("state") or row["state"] == "SUCCEEDED" else f"{row['status']} ({row['state'].lower()})"
    return {
        "id": row["id"],
        "at": row["at"][:19].replace("T", " "),
        "user_id": row["user_id"],
        "tenants": "all" if row["tenants"] == "*" else row["tenants"],
        "source": row["source"],
        "query": (row["sql_text"] or "") if adhoc else row["name"],
        "duration_ms": row["duration_ms"],
        "rows": row["rows"],
        "bytes_scanned": row["bytes_scanned"],
        "cost_usd": row["cost_usd"],
        "cache_hit": "yes" if row["cache_hit"] else "no",
        "status": status,
        "error": row.get("error") or "",
        "query_id": row["query_id"] or "",
        "again": _run_again(row, adhoc),
    }


def _run_again(row: dict[str, Any], adhoc: bool) -> str:
    if adhoc:
        return f"[Run again](/sql?history={int(row['id'])})"
    page = page_named(row.get("page") or row["name"])
    return f"[Open {page['name']}]({page['relative_path']})" if page else ""


def page_named(value: str | None) -> dict | None:
    """The registry entry of the dashboard page a history value names: the page that asked
    ("overview") or, for runs recorded before the page was, one of its queries ("overview_daily")."""
    stems = {entry["module"].rsplit(".", 1)[-1]: entry for entry in dash.page_registry.values()}
    if not value:
        return None
    if value in stems:
        return stems[value]
    return next((entry for stem, entry in stems.items()
                 if any(value.startswith(prefix + "_") for prefix in {stem, stem.rstrip("s")})), None)


def per_page(history: QueryHistory, where: HistoryFilter) -> list[dict[str, Any]]:
    """Cost per dashboard page (every run a page asked for, its drill-downs included), plus Explore
    and SQL Lab."""
    groups: dict[str, dict[str, float]] = {}

    def add(label: str, row: dict[str, Any]) -> None:
        group = groups.setdefault(label, {"runs": 0, "bytes_scanned": 0, "cost_usd": 0.0, "hits": 0.0,
                                          "bytes_saved": 0})
        group["runs"] += row["runs"]
        group["bytes_scanned"] += row["bytes_scanned"] or 0
        group["cost_usd"] += row["cost_usd"] or 0.0
        group["hits"] += (row["cache_hit_ratio"] or 0.0) * row["runs"]
        group["bytes_saved"] += row["bytes_saved"] or 0

    wanted = where.sources or tuple(SOURCES)
    if "page" in wanted:
        for row in history.cost_summary("page", dataclasses.replace(where, sources=("page",))):
            page = page_named(row["page"])
            add(page["name"] if page else row["page"], row)
    adhoc = tuple(s for s in ("explore", "sql") if s in wanted)
    if adhoc:
        for row in history.cost_summary("source", dataclasses.replace(where, sources=adhoc)):
            add(SOURCES[row["source"]], row)
    out = [{"page": label, "runs": int(g["runs"]), "bytes_scanned": int(g["bytes_scanned"]), "cost_usd": g["cost_usd"],
            "cache_hit_ratio": g["hits"] / g["runs"] if g["runs"] else None, "bytes_saved": int(g["bytes_saved"])}
           for label, g in groups.items()]
    return sorted(out, key=lambda r: (-r["cost_usd"], -r["runs"]))


def _totals(by_user: list[dict[str, Any]]) -> dict[str, Any]:
    runs = sum(r["runs"] for r in by_user)
    hits = sum((r["cache_hit_ratio"] or 0) * r["runs"] for r in by_user)
    return {"runs": runs, "bytes_scanned": sum(r["bytes_scanned"] or 0 for r in by_user),
            "cost_usd": sum(r["cost_usd"] or 0 for r in by_user), "cache_hit_ratio": hits / runs if runs else None,
            "bytes_saved": sum(r["bytes_saved"] or 0 for r in by_user)}


def _totals_row(totals: dict[str, Any]) -> dbc.Row:
    cards = [("Runs", fmt.number(totals["runs"])), ("Bytes scanned", _bytes(totals["bytes_scanned"])),
             ("Estimated cost", fmt.usd_precise(totals["cost_usd"])),
             ("Cache hit ratio", fmt.percent(totals["cache_hit_ratio"], 0)),
             ("Bytes saved by the cache", _bytes(totals["bytes_saved"]))]
    return dbc.Row([dbc.Col(_stat(label, value), xs=6, md=True) for label, value in cards],
                   className="g-2 history-kpis")


def _cache_counters():
    """The live result-cache counters (admins): every page and user, since the cache was created."""
    from queries import get_service

    stats = get_service().cache.stats()
    keys = (("hits", "Hits"), ("misses", "Misses"), ("executions", "Engine runs"), ("waits", "Waited on another run"))
    parts = [f"{label}: {fmt.number(stats.get(key, 0))}" for key, label in keys]
    parts.append(f"bytes saved: {_bytes(stats.get('bytes_saved', 0))}")
    return dbc.Alert([html.Strong("Result cache, live: "), " · ".join(parts)], color="light",
                     className="cache-counters py-2")


def _stat(label: str, value: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([html.Div(label, className="kpi-label"), html.Div(value, className="kpi-value")],
                                 className="py-2"), className="kpi-card h-100")


def _bytes(value) -> str:
    value = float(value or 0)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} TB"


def _rounded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()} for row in rows]



