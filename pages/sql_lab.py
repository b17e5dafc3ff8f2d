"""SQL Lab (analysts, admins): write one read-only Athena SQL statement, run it, page through,
save and export the result.

A run is a background callback (its own process): it builds its own query service there (a
DuckDB connection or boto3 client must not cross a fork), runs `run_sql` in a thread, and polls
the job registry meanwhile for progress and a Cancel. Cancel is a plain callback that marks the
run cancelled and asks the engine to stop the query id the run recorded with `on_start`
(StopQueryExecution reaches Athena from any process); the job sees the mark and interrupts the
query in its own process too (DuckDB's interrupt only works there). The run then ends normally,
so the history records it as CANCELLED. Dash's own `cancel=` is not used: killing the process
would lose that history row.

The result frame stays on the server (the job registry, keyed by the run's token and owned by its
user); the grid pages through it with AG Grid's infinite row model, and exports read it from there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import threading
import time
from functools import cache
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import diskcache
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html, no_update

import auth
from auth import roles
from components.schema_browser import schema_browser
from exports import ExportContext, audit_export, export_bytes, export_filename, may_export
from exports.files import mime_type
from queries import QueryError, QueryRejected
from queries.errors import QueryCancelled
from queries.service import QueryService, build_service
from store.db import get_database
from store.history import QueryHistory
from store.saved import VISIBILITIES, NotAllowed, NotFound, SavedQueries, SavedQueryError, may_edit

dash.register_page(__name__, path="/sql", name="SQL Lab", title="SQL Lab", order=60, permission=roles.SQL_LAB)

log = logging.getLogger(__name__)

P = "sql_lab-"
PAGE_SIZE = 100
POLL_S = 0.1
RESULT_TTL_S = 3600
CANCEL_GRACE_S = 10  # after Cancel, how long the job waits for the engine to stop before giving up on it
STARTER_SQL = (
    "-- One read-only statement; Ctrl+Enter runs it.\n"
    "SELECT interaction_type, count(*) AS interactions, avg(ai_latency_ms) AS avg_latency_ms\n"
    "FROM interactions\n"
    "WHERE started_at >= current_date - INTERVAL '30' DAY\n"
    "GROUP BY interaction_type\n"
    "ORDER BY interactions DESC"
)
# Whole numbers as they are (ids read badly with separators); fractions to four places.
_DECIMAL = {"function": "params.value == null ? '' : (Number.isInteger(params.value) ? String(params.value)"
                        " : d3.format(',.4~f')(params.value))"}
# sqlglot names its own classes in some messages: say which clause is incomplete instead.
_SQLGLOT_CLASS = re.compile(r"Required keyword: '\w+' missing for <class '[\w.]*?(\w+)'>")
# "line 2, column 18" (the parser), "Line: 3, Col: 9" (name resolution): both in the user's SQL.
_POSITION = re.compile(r"line:? (\d+),? col(?:umn)?:? (\d+)", re.IGNORECASE)
# "line 1:8:" (Trino/Athena): a position in the tenant-scoped SQL the engine ran, not the user's text.
_ENGINE_POSITION = re.compile(r"\bline (\d+):(\d+)", re.IGNORECASE)


class ids:
    editor = P + "editor"
    highlight = P + "highlight"
    run = P + "run"
    cancel = P + "cancel"
    token = P + "token"
    result = P + "result"
    progress = P + "progress"
    message = P + "message"
    summary = P + "summary"
    grid = P + "grid"
    notice = P + "notice"
    saved_id = P + "saved-id"
    save_open = P + "save-open"
    save_modal = P + "save-modal"
    save_name = P + "save-name"
    save_description = P + "save-description"
    save_tags = P + "save-tags"
    save_visibility = P + "save-visibility"
    save_copy = P + "save-copy"
    save_confirm = P + "save-confirm"
    save_message = P + "save-message"
    export_csv = P + "export-csv"
    export_xlsx = P + "export-xlsx"
    export_message = P + "export-message"
    download = P + "download"


# --- the layout ----------------------------------------------------------------------------


def layout(saved: str | None = None, history: str | None = None, **_query) -> html.Div:
    """The editor, prefilled from `?saved=<id>` or `?history=<id>` when the user may see that;
    no query runs here (Dash calls this once at start-up, with no request)."""
    sql, notices, loaded = STARTER_SQL, [], None
    if saved is not None or history is not None:
        principal = auth.current_principal()
        if saved is not None:
            sql, notices, loaded = _from_saved(principal, saved, sql)
        else:
            sql, notices = _from_history(principal, history, sql)
    return html.Div(
        [
            html.Div([html.H1("SQL Lab", className="page-title"),
                      html.Span("Athena SQL · one read-only statement · your tenants only",
                                className="text-muted small")], className="sql-lab-head"),
            html.Div(notices, id=ids.notice),
            dbc.Row(
                [
                    dbc.Col(dbc.Card(dbc.CardBody(schema_browser(ids.editor), className="p-2"),
                                     className="chart-card schema-card"), xs=12, lg=3,
                            className="mb-3 order-2 order-lg-1"),
                    # On a phone the editor comes first and the schema after the result.
                    dbc.Col([_editor_card(sql, loaded), _result_card()], xs=12, lg=9, className="order-1 order-lg-2"),
                ],
                className="g-3",
            ),
            _save_modal(loaded),
            dcc.Store(id=ids.token),
            dcc.Store(id=ids.result),
            dcc.Store(id=ids.saved_id, data=loaded.id if loaded else None),
            dcc.Download(id=ids.download),
        ],
        className="sql-lab",
    )


def _editor_card(sql: str, loaded) -> dbc.Card:
    tools = html.Div(
        [
            dbc.Button("Run", id=ids.run, color="primary", size="sm", title="Run (Ctrl+Enter)"),
            dbc.Button("Cancel", id=ids.cancel, color="warning", size="sm", outline=True, disabled=True),
            html.Span(id=ids.progress, className="sql-progress small text-muted", role="status"),
            html.Div(
                [dbc.Button("Save…", id=ids.save_open, color="secondary", size="sm", outline=True),
                 dbc.Button("CSV", id=ids.export_csv, color="secondary", size="sm", outline=True,
                            title="Export the result as CSV"),
                 dbc.Button("Excel", id=ids.export_xlsx, color="secondary", size="sm", outline=True,
                            title="Export the result as Excel")],
                className="sql-tools-right",
            ),
        ],
        className="sql-toolbar",
    )
    title = f"Saved query: {loaded.name}" if loaded else "Query"
    return dbc.Card(
        [
            dbc.CardHeader(html.Span(title, className="chart-title-text"), className="chart-title"),
            dbc.CardBody(
                [
                    # The <pre> behind the textarea shows the same text coloured (assets/sql_lab.js).
                    html.Div([html.Pre(id=ids.highlight, className="sql-highlight", **{"aria-hidden": "true"}),
                              dcc.Textarea(id=ids.editor, value=sql, className="sql-editor", spellCheck=False,
                                           placeholder="SELECT … FROM interactions", title="SQL editor")],
                             className="sql-editor-wrap"),
                    tools,
                    html.Div(id=ids.message),
                    html.Div(id=ids.save_message),
                    html.Div(id=ids.export_message),
                ],
                className="p-2",
            ),
        ],
        className="chart-card mb-3",
    )


def _result_card() -> dbc.Card:
    grid = dag.AgGrid(
        id=ids.grid,
        rowModelType="infinite",
        columnDefs=[],
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "minWidth": 110, "flex": 1},
        dashGridOptions={"cacheBlockSize": PAGE_SIZE, "maxBlocksInCache": 20, "rowBuffer": 0,
                         "infiniteInitialRowCount": 1, "pagination": True, "paginationPageSize": PAGE_SIZE,
                         "paginationPageSizeSelector": False, "suppressFieldDotNotation": True},
        className="ag-theme-quartz detail-grid sql-grid",
        style={"height": "480px"},
    )
    return dbc.Card(
        [dbc.CardHeader([html.Span("Result", className="chart-title-text"),
                         html.Span(id=ids.summary, className="small text-muted sql-summary")],
                        className="chart-title"),
         dbc.CardBody(grid, className="p-2")],
        className="chart-card mb-3",
    )


def _save_modal(loaded) -> dbc.Modal:
    owned_copy = [dbc.Checkbox(id=ids.save_copy, label="Save as a new query (not a new version)", value=False,
                               className="mt-2", style={} if loaded else {"display": "none"})]
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Save query")),
            dbc.ModalBody([
                dbc.Label("Name", html_for=ids.save_name),
                dbc.Input(id=ids.save_name, value=loaded.name if loaded else "", maxLength=200),
                dbc.Label("Description", html_for=ids.save_description, className="mt-2"),
                dbc.Textarea(id=ids.save_description, value=loaded.description if loaded else "", rows=2),
                dbc.Label("Tags (comma-separated)", html_for=ids.save_tags, className="mt-2"),
                dbc.Input(id=ids.save_tags, value=", ".join(loaded.tags) if loaded else ""),
                dbc.Label("Who can see it", html_for=ids.save_visibility, className="mt-2"),
                dbc.Select(id=ids.save_visibility, value=loaded.visibility if loaded else "private", options=[
                    {"label": "Only me", "value": "private"},
                    {"label": "People in my organisations", "value": "tenant"},
                    {"label": "Everyone", "value": "everyone"}]),
                *owned_copy,
            ]),
            dbc.ModalFooter(dbc.Button("Save", id=ids.save_confirm, color="primary")),
        ],
        id=ids.save_modal,
        is_open=False,
    )


def _from_saved(principal, raw: str, default: str):
    """(sql, notices, saved query or None) for `?saved=<id>`: invisible and unknown look the same."""
    query_id = _int(raw)
    try:
        if query_id is None:
            raise NotFound(raw)
        query = SavedQueries(get_database()).get(principal, query_id)
    except NotFound:
        return default, _notice(f"No saved query {raw[:20]!r} is available to you."), None
    if query.kind != "sql":
        return default, _notice(f"Saved query {query.name!r} is an Explore query; open it in Explore."), None
    editable = query if may_edit(principal, query) else None
    note = [] if editable else _notice(f"Opened {query.name!r} (shared by {query.owner}); saving makes your own copy.",
                                        color="info")
    return query.body, note, editable


def _from_history(principal, raw: str, default: str):
    """(sql, notices) for `?history=<id>`: the user's own runs, or anyone's for admins."""
    row_id = _int(raw)
    row = QueryHistory(get_database()).get(row_id) if row_id is not None else None
    if row is None or (row["user_id"] != principal.user_id and not auth.can(principal, roles.QUERY_HISTORY)):
        return default, _notice(f"No query history entry {raw[:20]!r} is available to you.")
    if row["source"] == "page":
        return default, _notice(f"That run was the dashboard query {row['name']!r}; open its page to run it again.")
    return row["sql_text"] or default, _notice(f"Loaded the SQL of the run at {row['at'][:19].replace('T', ' ')} "
                                               "UTC. Press Run to run it again.", color="info")


def _notice(text: str, color: str = "warning") -> list:
    return [dbc.Alert(text, color=color, className="py-2 mb-2", dismissable=True)]


def _int(raw) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


# --- the job registry ----------------------------------------------------------------------


def registry() -> diskcache.Cache:
    """Run tokens -> query id, cancel marks and result frames; shared by the web and job processes."""
    return _registry(os.getpid())


@cache
def _registry(pid: int) -> diskcache.Cache:
    # One handle per process: an SQLite connection must not cross the job's fork.
    from settings import get_settings

    return diskcache.Cache(str(get_settings().var_dir / "sql_lab"), size_limit=2**30)


@cache
def _job_service(pid: int) -> QueryService:
    """The query service of a job process: built there, never inherited across the fork."""
    return build_service()


def _valid_token(token) -> str | None:
    value = token.get("token") if isinstance(token, dict) else None
    return value if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9-]{8,64}", value) else None


# --- running ----------------------------------------------------------------------------------

# A new token per Run (and Ctrl+Enter, which clicks Run): the job and Cancel both know it.
clientside_callback(ClientsideFunction("sqlLab", "newToken"), Output(ids.token, "data"),
                    Input(ids.run, "n_clicks"), prevent_initial_call=True)


@callback(
    Output(ids.result, "data"),
    Output(ids.grid, "columnDefs"),
    Output(ids.message, "children"),
    Output(ids.summary, "children"),
    Input(ids.token, "data"),
    State(ids.editor, "value"),
    background=True,
    interval=250,
    progress=[Output(ids.progress, "children")],
    progress_default=[""],
    running=[(Output(ids.run, "disabled"), True, False), (Output(ids.cancel, "disabled"), False, True)],
    prevent_initial_call=True,
)
def run_query(set_progress, token, sql):
    token = _valid_token(token)
    if token is None:
        return no_update, no_update, no_update, no_update
    # No Flask request here: auth reloads the user the starting request recorded and checks them.
    principal = auth.callback_principal(roles.SQL_LAB)
    if not isinstance(sql, str) or not sql.strip():
        return None, [], _message("Write a query first.", "warning"), ""
    jobs, service = registry(), _job_service(os.getpid())
    jobs.set(f"run:{token}", {"user": principal.user_id, "query_id": None}, expire=RESULT_TTL_S)
    outcome: dict[str, Any] = {}

    def started(query_id: str) -> None:
        outcome["query_id"] = query_id
        jobs.set(f"run:{token}", {"user": principal.user_id, "query_id": query_id}, expire=RESULT_TTL_S)

    def work() -> None:
        try:
            outcome["frame"] = service.run_sql(sql, principal, on_start=started)
        except QueryError as err:
            outcome["error"] = err
        except Exception as err:  # logged with its traceback; the user gets a plain sentence
            log.exception("SQL Lab run failed")
            outcome["error"] = QueryError("an unexpected error occurred; it has been logged")
            outcome["cause"] = err

    began = time.perf_counter()
    worker = threading.Thread(target=work, name="sql-lab-run", daemon=True)
    worker.start()
    cancelled_at = None
    while worker.is_alive():
        worker.join(POLL_S)
        elapsed = time.perf_counter() - began
        if cancelled_at is None and jobs.get(f"cancel:{token}") == principal.user_id:
            cancelled_at = elapsed
            if outcome.get("query_id"):
                service.engine.cancel(outcome["query_id"])
        if cancelled_at is not None and elapsed - cancelled_at > CANCEL_GRACE_S:
            return None, [], _message(f"Cancelled after {elapsed:.0f} s (the engine had not stopped yet).",
                                      "secondary"), ""
        if elapsed > 0.5:
            qid = outcome.get("query_id")
            set_progress(["Cancelling…" if cancelled_at is not None else
                          f"Running for {elapsed:.0f} s" + (f" · query id {qid}" if qid else "")])
    seconds = time.perf_counter() - began
    # This process ends with the job: write its cache counters now, not at the next periodic flush.
    service.cache.flush_counters()
    if "error" in outcome:
        return None, [], _error(outcome["error"], seconds), ""
    frame: pd.DataFrame = outcome["frame"]
    jobs.set(f"result:{token}", {"user": principal.user_id, "frame": frame, "sql": sql,
                                 "ran_at": dt.datetime.now(dt.UTC)}, expire=RESULT_TTL_S)
    row_cap = frame.attrs.get("row_cap")
    capped = row_cap is not None and len(frame) >= row_cap
    meta = {"token": token, "rows": len(frame), "capped": capped, "row_cap": row_cap}
    return meta, _column_defs(frame), _cap_notice(row_cap) if capped else None, _summary(len(frame), seconds,
                                                                                          outcome.get("query_id"))


@callback(
    Output(ids.progress, "children", allow_duplicate=True),
    Input(ids.cancel, "n_clicks"),
    State(ids.token, "data"),
    prevent_initial_call=True,
)
def cancel_query(_, token):
    """Mark the run cancelled (the job interrupts it) and stop the engine query from here too."""
    principal = auth.callback_principal(roles.SQL_LAB)
    token = _valid_token(token)
    if token is None:
        return no_update
    jobs = registry()
    jobs.set(f"cancel:{token}", principal.user_id, expire=RESULT_TTL_S)
    run = jobs.get(f"run:{token}")
    if isinstance(run, dict) and run.get("user") == principal.user_id and run.get("query_id"):
        # Athena stops the query from any process; DuckDB's interrupt is the job's to make.
        try:
            _web_engine_cancel(run["query_id"])
        except QueryError as err:
            log.warning("cancel of %s failed: %s", run["query_id"], err)
    log.info("SQL Lab cancel requested by %s (query id %s)", principal.user_id,
             run.get("query_id") if isinstance(run, dict) else None)
    return "Cancelling…"


def _web_engine_cancel(query_id: str) -> None:
    from queries import get_service

    get_service().engine.cancel(query_id)


def _column_defs(frame: pd.DataFrame) -> list[dict]:
    defs = []
    for column in frame.columns:
        spec: dict[str, Any] = {"field": str(column), "headerName": str(column), "colId": str(column)}
        if pd.api.types.is_numeric_dtype(frame[column].dtype) and not pd.api.types.is_bool_dtype(frame[column].dtype):
            spec["type"] = "numericColumn"
            spec["valueFormatter"] = _DECIMAL
        defs.append(spec)
    return defs


def _summary(rows: int, seconds: float, query_id: str | None) -> str:
    text = f"{rows:,} row{'s' if rows != 1 else ''} · {seconds:.2f} s"
    return text + (f" · query id {query_id}" if query_id else "")


def _cap_notice(row_cap: int) -> dbc.Alert:
    return _message(f"The result stopped at the row cap of {row_cap:,} rows; add filters or a LIMIT, or "
                    "aggregate, to see all of it.", "info", class_name="row-cap-notice")


def _message(text, color: str, *, class_name: str = "") -> dbc.Alert:
    return dbc.Alert(text, color=color, className=f"py-2 mt-2 mb-0 sql-message {class_name}".strip())


def _error(err: QueryError, seconds: float) -> dbc.Alert:
    """A plain message, with the position when the parser or engine gave one; never a traceback."""
    if isinstance(err, QueryCancelled):
        return _message(f"Cancelled after {seconds:.1f} s.", "secondary", class_name="sql-cancelled")
    text = _SQLGLOT_CLASS.sub(lambda m: f"incomplete {m.group(1).upper()}", err.message)
    position = _POSITION.search(text)
    heading = "The query was refused. " if isinstance(err, QueryRejected) else "The engine reported an error. "
    children = [html.Strong(heading), html.Span(text, className="sql-error-text")]
    engine_position = None if position else _ENGINE_POSITION.search(text)
    if position:
        children.append(html.Div(f"Line {position.group(1)}, column {position.group(2)}",
                                 className="sql-error-position small mt-1"))
    elif engine_position:
        children.append(html.Div(f"Line {engine_position.group(1)}, column {engine_position.group(2)} of the "
                                 "SQL the engine ran (after tenant scoping)", className="sql-error-position small mt-1"))
    if err.query_id:
        children.append(html.Div(f"Query id: {err.query_id}", className="small text-muted mt-1 query-id"))
    return dbc.Alert(children, color="danger", className="py-2 mt-2 mb-0 sql-message sql-error")


# --- paging and exports: both read the run's frame from the registry -------------------------


def _result_frame(meta, principal) -> dict | None:
    token = _valid_token(meta)
    entry = registry().get(f"result:{token}") if token else None
    if not isinstance(entry, dict) or entry.get("user") != principal.user_id:
        return None
    return entry


# A new result: empty the grid's block cache so it asks for the new rows from the first page.
clientside_callback(ClientsideFunction("sqlLab", "refreshGrid"), Input(ids.result, "data"),
                    State(ids.grid, "id"), prevent_initial_call=True)


@callback(
    Output(ids.grid, "getRowsResponse"),
    Input(ids.grid, "getRowsRequest"),
    State(ids.result, "data"),
    prevent_initial_call=True,
)
def grid_rows(request, meta):
    principal = auth.callback_principal(roles.SQL_LAB)
    entry = _result_frame(meta, principal)
    if entry is None or not isinstance(request, dict):
        return {"rowData": [], "rowCount": 0}
    frame: pd.DataFrame = entry["frame"]
    frame = _sorted(frame, request.get("sortModel"))
    start = max(0, int(request.get("startRow") or 0))
    end = min(len(frame), max(start, int(request.get("endRow") or start + PAGE_SIZE)), start + 1000)
    page = frame.iloc[start:end]
    return {"rowData": _records(page), "rowCount": len(frame)}


def _sorted(frame: pd.DataFrame, sort_model) -> pd.DataFrame:
    if not isinstance(sort_model, list) or not sort_model:
        return frame
    names = {str(c): c for c in frame.columns}
    keys = [(names[s["colId"]], s.get("sort") != "desc") for s in sort_model
            if isinstance(s, dict) and s.get("colId") in names]
    if not keys:
        return frame
    return frame.sort_values([k for k, _ in keys], ascending=[a for _, a in keys], kind="stable",
                             na_position="last")


def _records(page: pd.DataFrame) -> list[dict]:
    page = page.copy()
    page.columns = [str(c) for c in page.columns]
    return json.loads(page.to_json(orient="records", date_format="iso", default_handler=str))


@callback(
    Output(ids.download, "data"),
    Output(ids.export_message, "children"),
    Input(ids.export_csv, "n_clicks"),
    Input(ids.export_xlsx, "n_clicks"),
    State(ids.result, "data"),
    prevent_initial_call=True,
)
def export(_csv, _xlsx, meta):
    principal = auth.callback_principal(roles.SQL_LAB)
    fmt = "xlsx" if dash.ctx.triggered_id == ids.export_xlsx else "csv"
    if not may_export(principal):
        audit_export(principal, surface="sql_lab", target="result", fmt=fmt, rows=0, allowed=False)
        return no_update, _message("Your role may not export data.", "warning")
    entry = _result_frame(meta, principal)
    if entry is None:
        return no_update, _message("Run a query first; the export holds its result.", "warning")
    frame = entry["frame"]
    sql_hash = hashlib.sha256(entry["sql"].encode()).hexdigest()[:16]
    audit_export(principal, surface="sql_lab", target="result", fmt=fmt, rows=len(frame), allowed=True,
                 sql_hash=sql_hash)
    context = ExportContext(title="SQL Lab query", sql=entry["sql"], ran_at=entry["ran_at"], user=principal.user_id)
    filename = export_filename(context.title, fmt, context.ran_at)
    return dcc.send_bytes(export_bytes(frame, fmt, context), filename, type=mime_type(fmt)), None


# --- saving ------------------------------------------------------------------------------------


@callback(
    Output(ids.save_modal, "is_open"),
    Input(ids.save_open, "n_clicks"),
    prevent_initial_call=True,
)
def open_save(_):
    return True


@callback(
    Output(ids.save_message, "children"),
    Output(ids.save_modal, "is_open", allow_duplicate=True),
    Output(ids.saved_id, "data"),
    Input(ids.save_confirm, "n_clicks"),
    State(ids.editor, "value"),
    State(ids.save_name, "value"),
    State(ids.save_description, "value"),
    State(ids.save_tags, "value"),
    State(ids.save_visibility, "value"),
    State(ids.save_copy, "value"),
    State(ids.saved_id, "data"),
    prevent_initial_call=True,
)
def save(_, sql, name, description, tags, visibility, as_copy, saved_id):
    principal = auth.callback_principal(roles.SQL_LAB)
    tag_list = [t.strip() for t in (tags or "").split(",") if t.strip()] if isinstance(tags, str) else []
    visibility = visibility if visibility in VISIBILITIES else "private"
    query_id = saved_id if isinstance(saved_id, int) and not as_copy else None
    try:
        saved = SavedQueries(get_database()).save(
            principal, kind="sql", name=name or "", body=sql or "", description=description or "",
            tags=tag_list, visibility=visibility, query_id=query_id)
    except (SavedQueryError, NotFound, NotAllowed) as err:
        return _message(f"Not saved: {err}", "warning"), True, no_update
    text = [f"Saved {saved.name!r} (version {saved.version}). Link: ",
            dcc.Link(f"/sql?saved={saved.id}", href=f"/sql?saved={saved.id}")]
    return _message(text, "success", class_name="sql-saved"), False, saved.id
