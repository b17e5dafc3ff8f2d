"""What every dashboard page shares: its view state, filter bar, KPI cards, charts, drill-down
grid, exports and long-query handling.

A page module declares a `DashboardPage` (KPIs, charts, what a click drills into) and calls
`register(page)` once; `layout(page, query)` builds its skeleton from the URL without running a
query. The filter bar's wiring:
- preset <-> date picker (choosing dates switches the preset to "custom");
- the tenant and model-version options the signed-in user may pick from;
- the URL (with the charts' options, see _register_url), so the address bar always reopens the view;
- "copy link".
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from auth import current_principal
from components import format as fmt
from components import view_state
from components.chart import blank_figure, chart_card, retry_id
from components.detail import detail_card, detail_grid
from components.filter_bar import filter_bar
from components.kpi import kpi_card, kpi_row
from components.states import error_state, notice
from exports import ExportContext, audit_export, export_bytes, export_filename, may_export
from exports.files import mime_type
from pages import _loading, _theme  # noqa: F401 - _theme registers the shell's theme callbacks
from pages._loading import Pending, load
from queries import Filters, Principal, QueryError, get_service, run
from queries import grid as grid_sql
from queries.service import asked_from

log = logging.getLogger(__name__)

# The filter bar's controls as callback inputs, in this order: (id suffix, property).
CONTROLS = (
    ("range", "value"), ("dates", "start_date"), ("dates", "end_date"), ("channel", "value"),
    ("tenant", "value"), ("compare", "value"), ("type", "value"), ("specialty", "value"), ("model", "value"),
)


def anchor_day() -> dt.date:
    """The last day with data; today when the engine cannot be reached (a layout never fails)."""
    try:
        return get_service().engine.latest_day()
    except QueryError:
        return dt.datetime.now(dt.UTC).date()


def filter_inputs(page: str) -> list[Input]:
    return [Input(f"{page}-{suffix}", prop) for suffix, prop in CONTROLS]


def filter_states(page: str) -> list[State]:
    return [State(f"{page}-{suffix}", prop) for suffix, prop in CONTROLS]


def state_from_controls(preset=None, start=None, end=None, channels=None, tenants=None, compare=None,
                        types=None, specialties=None, models=None) -> tuple[view_state.ViewState, list[str]]:
    return view_state.from_values(
        preset=preset, start=start, end=end, channels=channels, tenants=tenants, compare=compare,
        interaction_types=types, specialties=specialties, model_versions=models, anchor=anchor_day(),
    )


# --- what a page declares ---------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A named query a chart reads; `lookback_days` of extra history before the start (for
    baselines such as anomaly detection), trimmed by the chart itself. `whole_history` ignores the
    view's filters (e.g. model rollout dates); the tenant scope always applies."""

    name: str
    lookback_days: int = 0
    params: tuple[tuple[str, Any], ...] = ()
    whole_history: bool = False

    def filters(self, base: Filters) -> Filters | None:
        if self.whole_history:
            return None
        return replace(base, start=base.start - dt.timedelta(days=self.lookback_days)) if self.lookback_days else base


@dataclass(frozen=True)
class Option:
    """A control in a chart's header (a toggle or a choice). Its value is part of the view: the URL
    carries it as `<chart>.<option>=value` when it differs from the default."""

    key: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); empty = filled with model versions
    default: str | None = None
    kind: str = "radio"  # radio | switch | dropdown

    @property
    def initial(self) -> Any:
        """The control's value when the URL says nothing (a switch's is a boolean)."""
        return self.default == "on" if self.kind == "switch" else self.default

    def from_url(self, raw: Any) -> tuple[Any, str | None]:
        """The control value for a URL value, and a message when it was refused (then the default)."""
        if raw is None:
            return self.initial, None
        text = str(raw[0] if isinstance(raw, list) and raw else raw)
        if self.kind == "switch" and text in ("on", "off"):
            return text == "on", None
        if self.choices and text in dict(self.choices):
            return text, None
        if self.kind == "dropdown" and not self.choices and _OPTION_VALUE.match(text):
            return text, None  # a model version: the options callback keeps it only if it exists
        return self.initial, f"Unknown {self.label.lower()} {text[:40]!r}; showing the default."


_OPTION_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def option_values(spec: DashboardPage, query: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Every chart option's control value from a URL query ({chart: {option: value}}), plus messages."""
    values: dict[str, dict[str, Any]] = {}
    messages: list[str] = []
    for chart in spec.charts:
        for option in chart.options:
            value, message = option.from_url(query.get(f"{chart.key}.{option.key}"))
            values.setdefault(chart.key, {})[option.key] = value
            messages += [message] if message else []
    return values, messages


@dataclass
class ChartInput:
    """What a chart's builder gets: its frames by query name, the view, and its options."""

    frames: dict[str, pd.DataFrame]
    state: view_state.ViewState
    options: dict[str, Any] = field(default_factory=dict)

    def frame(self, name: str | None = None) -> pd.DataFrame:
        return self.frames[name] if name else next(iter(self.frames.values()))


@dataclass(frozen=True)
class Chart:
    """One card: `build` turns frames into a figure (or, for kind "panel", into components).

    `drill(point, trace_name, chart_input)` names the rows behind a clicked mark (or None).
    `data(chart_input)` is what an export of the chart holds (default: its first frame).
    """

    key: str
    title: str
    queries: tuple[Query, ...]
    build: Callable[[ChartInput], Any]
    drill: Callable[[dict, str | None, ChartInput], grid_sql.Drill | None] | None = None
    data: Callable[[ChartInput], pd.DataFrame] | None = None
    width: int = 6
    height: int = 320
    options: tuple[Option, ...] = ()
    kind: str = "graph"  # graph | panel


@dataclass(frozen=True)
class Kpi:
    column: str
    label: str
    formatter: Callable[[Any], str]
    higher_is_better: bool = True
    spark: str | None = None  # column of the page's daily query drawn as the sparkline


@dataclass(frozen=True)
class DashboardPage:
    page: str
    title: str
    kpi_query: str
    kpis: tuple[Kpi, ...]
    charts: tuple[Chart, ...]
    spark_query: str | None = None
    description: str = ""

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)


@dataclass(frozen=True)
class PageIds:
    """Every component id of a dashboard page, made in one place."""

    page: str

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.page}-{name.replace('_', '-')}"

    def graph(self, chart: str) -> str:
        return f"{self.page}-{chart}"

    def message(self, chart: str) -> str:
        return f"{self.page}-{chart}-message"

    def option(self, chart: str, option: str) -> str:
        return f"{self.page}-{chart}-{option}"


# --- layout -------------------------------------------------------------------------------


def layout(spec: DashboardPage, query: dict) -> html.Div:
    """The page's skeleton from its URL query string; runs no query."""
    ids = PageIds(spec.page)
    state, messages = view_state.from_query(query, anchor_day())
    options, option_messages = option_values(spec, query)
    messages += option_messages
    principal = current_principal()
    return html.Div(
        [
            html.Div([html.H1(spec.title, className="page-title"),
                      html.P(spec.description, className="page-description text-muted")] if spec.description
                     else html.H1(spec.title, className="page-title")),
            # The report link follows the view's URL (see _register_report_link); exporters only.
            html.A("PDF report", id=ids.pdf, href=_report_href(spec, state.query_string()), target="_blank",
                   className="btn btn-outline-secondary btn-sm mb-2 pdf-report",
                   style=None if may_export(principal) else {"display": "none"}),
            html.Div(notice(messages), id=ids.notices),  # about the URL this view came from
            html.Div(id=ids.status),  # about the current filters
            filter_bar(spec.page, state, show_tenants=principal.all_tenants or len(principal.tenants or ()) > 1),
            dcc.Store(id=ids.url),
            dcc.Store(id=ids.drill),
            dcc.Download(id=ids.download),
            html.Div(id=ids.export_message),
            html.Div(kpi_row([kpi_card(k.label, "…", None) for k in spec.kpis]), id=ids.kpis,
                     className="kpi-area"),
            dbc.Row([dbc.Col(_card(spec, chart, options.get(chart.key, {})), xs=12, lg=chart.width)
                     for chart in spec.charts]),
            detail_card(spec.page, ids.grid_slot, ids.detail_title, ids.detail_card, ids.detail_close),
        ],
        className=f"dashboard-page page-{spec.page}",
    )


def _card(spec: DashboardPage, chart: Chart, values: dict[str, Any]):
    ids = PageIds(spec.page)
    tools = [_option_control(ids.option(chart.key, o.key), o, values.get(o.key, o.initial)) for o in chart.options]
    if chart.kind == "panel":
        return dbc.Card([dbc.CardHeader(chart.title, className="chart-title"),
                         dbc.CardBody(dcc.Loading(html.Div(html.Div(className="skeleton skeleton-text"),
                                                           id=ids.graph(chart.key)),
                                                  type="dot", delay_show=150))],
                        className="chart-card insights-card mb-3")
    return chart_card(chart.title, ids.graph(chart.key), ids.message(chart.key), height=chart.height,
                      tools=tools, page=spec.page, target=chart.key)


def _option_control(component_id: str, option: Option, value: Any):
    if option.kind == "switch":
        return dbc.Switch(id=component_id, label=option.label, value=value, className="chart-option")
    if option.kind == "dropdown":
        # Model-version pickers are filled by a callback; until then the URL's version is the one choice.
        choices = option.choices or (((value, value),) if value else ())
        return dcc.Dropdown(id=component_id, options=[{"label": lbl, "value": v} for v, lbl in choices],
                            value=value, clearable=False, searchable=False,
                            className="chart-option chart-option-dropdown", placeholder=option.label)
    return dbc.RadioItems(id=component_id, options=[{"label": lbl, "value": v} for v, lbl in option.choices],
                          value=value, inline=True, className="chart-option btn-group-sm",
                          input_class_name="btn-check", label_class_name="btn btn-outline-secondary btn-sm",
                          label_checked_class_name="active")


# --- callbacks ------------------------------------------------------------------------------


def register(spec: DashboardPage) -> None:
    """Every callback of a dashboard page."""
    reserved = {suffix for suffix, _ in CONTROLS} | {"kpis", "url", "status", "notices", "drill", "grid", "grid-slot",
                                                      "download", "pdf"}
    clashes = [c.key for c in spec.charts if c.key in reserved]
    if clashes:
        raise ValueError(f"{spec.page}: chart keys {clashes} clash with the page's own component ids")
    wire_filter_bar(spec.page, dynamic_options=[
        PageIds(spec.page).option(c.key, o.key) for c in spec.charts for o in c.options
        if o.kind == "dropdown" and not o.choices])
    _register_kpis(spec)
    for chart in spec.charts:
        _register_chart(spec, chart)
    _register_drill(spec)
    _register_grid(spec)
    _register_exports(spec)
    _register_url(spec)


def _report_href(spec: DashboardPage, query_string: str) -> str:
    return f"/export/report.pdf?{urlencode({'page': _page_path(spec)})}" + (
        "&" + query_string.lstrip("?") if query_string else "")


def _page_path(spec: DashboardPage) -> str:
    return next((p["path"] for p in dash.page_registry.values() if p["module"].rsplit(".", 1)[-1] == spec.page),
                f"/{spec.page}")


def _register_url(spec: DashboardPage) -> None:
    """The view's URL: the filters' canonical query string (from the KPI callback) plus every chart
    option that differs from its default, written with history.replaceState (so the address bar
    and "copy link" always reopen this view, without the page router re-rendering it); the PDF
    report link follows it."""
    ids = PageIds(spec.page)
    # Constants of the code, not user input.
    options = json.dumps([[f"{c.key}.{o.key}", o.kind, o.initial] for c in spec.charts for o in c.options])
    base = json.dumps(_report_href(spec, ""))
    clientside_callback(
        f"""(search, ...values) => {{
            const params = new URLSearchParams(typeof search === "string" ? search : "");
            {options}.forEach(([name, kind, initial], i) => {{
                const value = values[i];
                if (value !== null && value !== undefined && value !== initial) {{
                    params.append(name, kind === "switch" ? (value ? "on" : "off") : value);
                }}
            }});
            const query = params.toString() ? "?" + params.toString() : "";
            if (typeof search === "string" && window.location.search !== query) {{
                window.history.replaceState(null, "", window.location.pathname + query);
            }}
            return {base} + (query ? "&" + query.slice(1) : "");
        }}""",
        Output(ids.pdf, "href"),
        Input(ids.url, "data"),
        *[Input(ids.option(c.key, o.key), "value") for c in spec.charts for o in c.options],
        prevent_initial_call=True,
    )


def _register_kpis(spec: DashboardPage) -> None:
    ids = PageIds(spec.page)

    @callback(
        Output(ids.kpis, "children"),
        Output(ids.url, "data"),
        Output(ids.status, "children"),
        *filter_inputs(spec.page),
        Input("jobs-done", "data"),
        Input({"type": "retry", "page": spec.page, "target": ALL}, "n_clicks"),
    )
    @for_page(spec.page)
    def update_kpis(*args):
        controls = args[:len(CONTROLS)]
        state, messages = state_from_controls(*controls)
        principal, filters = current_principal(), state.filters()
        fresh = _is_retry()
        try:
            now = load(spec.kpi_query, principal, filters, fresh=fresh)
            before = load(spec.kpi_query, principal, state.comparison_filters(), fresh=fresh)
            daily = load(spec.spark_query, principal, filters, fresh=fresh) if spec.spark_query else None
        except QueryError as err:
            return (error_state(err.message, err.query_id, retry_id(spec.page, "kpis")), state.query_string(),
                    notice(messages))
        pending = [f for f in (now, before, daily) if isinstance(f, Pending)]
        if pending:
            _loading.announce(pending[0])
            return kpi_row([kpi_card(k.label, "…", None) for k in spec.kpis]), state.query_string(), notice(messages)
        if now.empty or _is_empty(now):
            messages = messages + ["No data for these filters."]
        versus = "same period last year" if state.compare == "last_year" else "previous period"
        return kpi_cards(spec, versus, now, before, daily), state.query_string(), notice(messages)


def for_page(page: str) -> Callable[[Callable], Callable]:
    """A callback's queries are recorded as asked by `page` (cost per page in the query history)."""
    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def callback_for_page(*args):
            with asked_from(page):
                return fn(*args)
        return callback_for_page
    return wrap


class _Memo:
    """Outputs (figures, KPI rows) by what they are built from: a small thread-safe LRU."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get_or_build(self, key: tuple, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_BUILT = _Memo(512)


def kpi_cards(spec: DashboardPage, versus: str, now: pd.DataFrame, before: pd.DataFrame,
              daily: pd.DataFrame | None) -> Any:
    """The page's KPI row, memoised on the numbers it shows: a warm callback sends it without
    building its components again."""
    current, previous = _first_row(now), _first_row(before)
    sparks = {k.spark: tuple(daily[k.spark].tolist()) for k in spec.kpis
              if daily is not None and k.spark in daily}
    key = (spec.page, versus, tuple(current.items()), tuple(previous.items()), tuple(sparks.items()))
    return _BUILT.get_or_build(key, lambda: kpi_row([
        kpi_card(k.label, k.formatter(current.get(k.column)), fmt.change(current.get(k.column),
                                                                          previous.get(k.column)),
                 higher_is_better=k.higher_is_better, versus=versus, spark=sparks.get(k.spark))
        for k in spec.kpis
    ]))


def _first_row(frame: pd.DataFrame) -> dict[str, Any]:
    return frame.iloc[0].to_dict() if not frame.empty else {}


def _is_empty(frame: pd.DataFrame) -> bool:
    """A KPI row whose first count is zero: nothing matched."""
    first = frame.iloc[0, 0]
    return first is None or first != first or first == 0


def _is_retry() -> bool:
    triggered = ctx.triggered_id
    return isinstance(triggered, dict) and triggered.get("type") == "retry"


def _option_inputs(spec: DashboardPage, chart: Chart) -> list[Input]:
    ids = PageIds(spec.page)
    return [Input(ids.option(chart.key, o.key), "value") for o in chart.options]


def chart_input(spec: DashboardPage, chart: Chart, controls, option_values, *, fresh: bool = False
                ) -> ChartInput | Pending:
    """Load a chart's frames for the view (Pending while a query is still running)."""
    state, _ = state_from_controls(*controls)
    principal, filters = current_principal(), state.filters()
    frames = {}
    if _loading.DEBUG_SLOW_ROWS and spec.page == _loading.DEBUG_SLOW_PAGE and chart is spec.charts[0]:
        slow = load("debug_slow", principal, None, fresh=fresh, n=_loading.DEBUG_SLOW_ROWS)
        if isinstance(slow, Pending):
            return slow
    for q in chart.queries:
        frame = load(q.name, principal, q.filters(filters), fresh=fresh, **dict(q.params))
        if isinstance(frame, Pending):
            return frame
        frames[q.name] = frame
    options = {o.key: v for o, v in zip(chart.options, option_values, strict=False)}
    return ChartInput(frames, state, options)


def _register_chart(spec: DashboardPage, chart: Chart) -> None:
    ids = PageIds(spec.page)
    outputs = ([Output(ids.graph(chart.key), "children")] if chart.kind == "panel" else
               [Output(ids.graph(chart.key), "figure"), Output(ids.message(chart.key), "children")])

    @callback(
        *outputs,
        *filter_inputs(spec.page),
        *_option_inputs(spec, chart),
        Input("jobs-done", "data"),
        Input({"type": "retry", "page": spec.page, "target": ALL}, "n_clicks"),
    )
    @for_page(spec.page)
    def update_chart(*args):
        controls, option_values = args[:len(CONTROLS)], args[len(CONTROLS):len(CONTROLS) + len(chart.options)]
        try:
            loaded = chart_input(spec, chart, controls, option_values, fresh=_is_retry())
        except QueryError as err:
            failure = error_state(err.message, err.query_id, retry_id(spec.page, chart.key))
            return failure if chart.kind == "panel" else (blank_figure(), failure)
        if isinstance(loaded, Pending):
            _loading.announce(loaded)
            waiting = html.Div("Still running… see the progress bar below.", className="state text-muted")
            return waiting if chart.kind == "panel" else (blank_figure("Still running…"), None)
        if chart.kind == "panel":
            return built(spec, chart, loaded)
        if loaded.frame().empty:  # the chart's own data (others, such as rollout dates, only annotate)
            return blank_figure("No data for these filters"), None
        return built(spec, chart, loaded), None


def built(spec: DashboardPage, chart: Chart, data: ChartInput) -> Any:
    """The chart's figure (or panel), memoised on what it is built from (the view, the options and the frames'
    contents), so a warm callback sends a figure without rebuilding it. Callers must not modify it."""
    key = (spec.page, chart.key, repr(data.state), repr(sorted(data.options.items())),
           tuple((name, int(pd.util.hash_pandas_object(frame, index=False).sum()), frame.shape)
                 for name, frame in data.frames.items()))
    return _BUILT.get_or_build(key, lambda: chart.build(data))


def _register_drill(spec: DashboardPage) -> None:
    ids = PageIds(spec.page)
    drillable = [c for c in spec.charts if c.drill is not None]
    if not drillable:
        return

    @callback(
        Output(ids.drill, "data"),
        Output(ids.detail_title, "children"),
        Output(ids.detail_card, "style"),
        Output(ids.grid_slot, "children"),
        *[Input(ids.graph(c.key), "clickData") for c in drillable],
        Input(ids.detail_close, "n_clicks"),
        *filter_states(spec.page),
        *[State(ids.option(c.key, o.key), "value") for c in drillable for o in c.options],
        prevent_initial_call=True,
    )
    @for_page(spec.page)
    def drill_down(*args):
        if ctx.triggered_id == ids.detail_close:
            return None, "Details", {"display": "none"}, None
        clicks = args[:len(drillable)]
        controls = args[len(drillable) + 1:len(drillable) + 1 + len(CONTROLS)]
        option_values = list(args[len(drillable) + 1 + len(CONTROLS):])
        for chart, click in zip(drillable, clicks, strict=True):
            values, option_values = option_values[:len(chart.options)], option_values[len(chart.options):]
            if ctx.triggered_id != ids.graph(chart.key) or not click or not click.get("points"):
                continue
            try:
                loaded = chart_input(spec, chart, controls, values)
            except QueryError as err:
                return no_update, f"Details unavailable: {err.message}", {"display": "block"}, no_update
            if isinstance(loaded, Pending):
                return no_update, no_update, no_update, no_update
            point = click["points"][0]
            trace = _trace_name(spec, chart, loaded, point)
            target = chart.drill(point, trace, loaded)
            if target is None:
                return no_update, no_update, no_update, no_update
            return (target.to_json(), f"Details: {target.title}", {"display": "block"},
                    detail_grid(ids.grid, grid_sql.GRID_COLUMNS[target.table]))
        return no_update, no_update, no_update, no_update

    # A new drill-down: a grid already on the page empties its block cache so it asks for the new
    # rows (a grid just mounted asks by itself); bring it into view.
    clientside_callback(
        f"""(drill) => {{
            if (!drill) {{ return; }}
            dash_ag_grid.getApiAsync("{ids.grid}").then(api => api.purgeInfiniteCache());
            const card = document.getElementById("{ids.detail_card}");
            if (card) {{ setTimeout(() => card.scrollIntoView({{behavior: "smooth", block: "start"}}), 50); }}
        }}""",
        Input(ids.drill, "data"),
        prevent_initial_call=True,
    )


def _trace_name(spec: DashboardPage, chart: Chart, loaded: ChartInput, point: dict) -> str | None:
    """The clicked trace's name, from the figure the chart builds (clickData carries only its index)."""
    figure = built(spec, chart, loaded)
    traces = figure.get("data", []) if isinstance(figure, dict) else []
    number = point.get("curveNumber")
    if isinstance(number, int) and 0 <= number < len(traces):
        return traces[number].get("name")
    return None


def _register_grid(spec: DashboardPage) -> None:
    ids = PageIds(spec.page)
    if not any(c.drill for c in spec.charts):
        return

    @callback(
        Output(ids.grid, "getRowsResponse"),
        Input(ids.grid, "getRowsRequest"),
        State(ids.drill, "data"),
        *filter_states(spec.page),
        prevent_initial_call=True,
    )
    @for_page(spec.page)
    def grid_rows(request, drill, *controls):
        if not drill or not isinstance(request, dict):
            return {"rowData": [], "rowCount": 0}
        state, _ = state_from_controls(*controls)
        try:
            rows, count = grid_sql.fetch_page(get_service(), current_principal(), state.filters(),
                                              grid_sql.Drill.from_json(drill), request)
        except QueryError as err:
            log.warning("drill-down rows failed: %s", err)
            return {"rowData": [], "rowCount": 0}
        return {"rowData": rows, "rowCount": count}


def _register_exports(spec: DashboardPage) -> None:
    ids = PageIds(spec.page)

    @callback(
        Output(ids.download, "data"),
        Output(ids.export_message, "children"),
        Input({"type": "export", "page": spec.page, "target": ALL, "format": ALL}, "n_clicks"),
        State(ids.drill, "data"),
        State(ids.grid, "getRowsRequest"),
        *filter_states(spec.page),
        *[State(PageIds(spec.page).option(c.key, o.key), "value") for c in spec.charts for o in c.options],
        prevent_initial_call=True,
    )
    @for_page(spec.page)
    def export(clicks, drill, grid_request, *rest):
        target = ctx.triggered_id
        if not isinstance(target, dict) or not any(clicks or []):
            return no_update, no_update
        controls, option_values = rest[:len(CONTROLS)], list(rest[len(CONTROLS):])
        principal = current_principal()
        fmt_name, what = target.get("format"), target.get("target")
        if fmt_name not in ("csv", "xlsx"):
            return no_update, no_update
        if not may_export(principal):
            audit_export(principal, surface=spec.page, target=str(what), fmt=fmt_name, rows=0, allowed=False)
            return no_update, notice(["Exports are available to analysts and admins."])
        try:
            frame, context = _export_data(spec, str(what), drill, grid_request, controls, option_values,
                                          principal)
        except QueryError as err:
            return no_update, error_state(err.message, err.query_id)
        audit_export(principal, surface=spec.page, target=str(what), fmt=fmt_name, rows=len(frame), allowed=True)
        filename = export_filename(context.title, fmt_name, context.ran_at)
        return dcc.send_bytes(export_bytes(frame, fmt_name, context), filename, type=mime_type(fmt_name)), None


def _export_data(spec: DashboardPage, target: str, drill, grid_request, controls, option_values,
                 principal: Principal) -> tuple[pd.DataFrame, ExportContext]:
    state, _ = state_from_controls(*controls)
    filters = state.filters()
    described = _describe(state)
    if target == "grid":
        if not drill:
            raise QueryError("click a mark on a chart first: the export holds its detail rows", name="export")
        drill_spec = grid_sql.Drill.from_json(drill)
        tree = grid_sql.export_query(drill_spec, grid_request if isinstance(grid_request, dict) else None)
        service = get_service()
        frame = grid_sql.run_tree(service, tree, principal, filters)
        sql = grid_sql.compile_tree(service, tree, principal, filters)
        return frame, ExportContext(f"{spec.title} details {drill_spec.title}", described, sql,
                                    user=principal.user_id)
    charts = {c.key: c for c in spec.charts}
    if target not in charts:
        raise QueryError("unknown export", name="export")
    chart = charts[target]
    offset = 0
    for c in spec.charts:
        if c is chart:
            break
        offset += len(c.options)
    values = option_values[offset:offset + len(chart.options)]
    loaded = chart_input(spec, chart, controls, values)
    if isinstance(loaded, Pending):
        raise QueryError("the chart's data is still loading; try again when it shows", name="export")
    frame = chart.data(loaded) if chart.data else loaded.frame()
    service = get_service()
    sql = "\n\n".join(service.compile(q.name, principal, q.filters(filters), dict(q.params)).sql
                      for q in chart.queries)
    return frame, ExportContext(f"{spec.title} {chart.title}", described, sql, user=principal.user_id)


def _describe(state: view_state.ViewState) -> dict[str, str]:
    out = {"From": state.start.isoformat(), "To": state.end.isoformat()}
    for label, values in (("Channels", state.channels), ("Interaction types", state.interaction_types),
                          ("Specialties", state.specialties), ("Model versions", state.model_versions),
                          ("Tenants", state.tenants)):
        out[label] = ", ".join(values) or "all"
    return out


def trim(frame: pd.DataFrame, state: view_state.ViewState, column: str = "day") -> pd.DataFrame:
    """Rows of a frame loaded with a lookback that fall in the view's date range."""
    days = pd.to_datetime(frame[column])
    return frame[(days >= pd.Timestamp(state.start)) & (days <= pd.Timestamp(state.end))].reset_index(drop=True)


# --- the filter bar ---------------------------------------------------------------------------


def wire_filter_bar(page: str, dynamic_options: list[str] | None = None) -> None:
    @callback(
        Output(f"{page}-range", "value"),
        Output(f"{page}-dates", "start_date"),
        Output(f"{page}-dates", "end_date"),
        Input(f"{page}-range", "value"),
        Input(f"{page}-dates", "start_date"),
        Input(f"{page}-dates", "end_date"),
        prevent_initial_call=True,
    )
    def _sync_dates(preset, start, end):
        if ctx.triggered_id == f"{page}-range":
            if preset not in view_state.PRESETS or preset == "custom":
                return no_update, no_update, no_update
            first, last = view_state.preset_range(preset, anchor_day())
            return no_update, first.isoformat(), last.isoformat()
        return "custom", no_update, no_update

    @callback(
        Output(f"{page}-tenant", "options"),
        Input(f"{page}-tenant", "id"),
        State(f"{page}-tenant", "value"),
    )
    @for_page(page)
    def _tenant_options(_, chosen):
        try:
            tenants = run("tenant_list", current_principal(), source="page")
        except QueryError as err:
            log.warning("tenant list unavailable: %s", err)
            return [{"label": t, "value": t} for t in chosen or []]
        return [{"label": f"{row.name} ({row.tenant_id})", "value": row.tenant_id}
                for row in tenants.itertuples()]

    dynamic = dynamic_options or []

    @callback(
        Output(f"{page}-model", "options"),
        *[Output(i, "options") for i in dynamic],
        *[Output(i, "value") for i in dynamic],
        Input(f"{page}-model", "id"),
        State(f"{page}-model", "value"),
        *[State(i, "value") for i in dynamic],
    )
    @for_page(page)
    def _model_options(_, chosen, *current):
        try:
            versions = run("model_versions", current_principal(), source="page")["model_version"].tolist()
        except QueryError as err:
            log.warning("model version list unavailable: %s", err)
            versions = list(chosen or [])
        options = [{"label": v, "value": v} for v in versions]
        # Comparison pickers default to the two newest versions, newest second.
        defaults = (versions[-2:] if len(versions) >= 2 else versions * 2)[:2]
        values = [c if c in versions else defaults[i % len(defaults)] if defaults else None
                  for i, c in enumerate(current)]
        return options, *[options] * len(dynamic), *values

    clientside_callback(
        "(n) => window.location.href",
        Output(f"{page}-copy-link", "content"),
        Input(f"{page}-copy-link", "n_clicks"),
        prevent_initial_call=True,
    )


def write_url(page: str) -> None:
    """Keep the address bar on the query string in the `<page>-url` store (a page without chart
    options; dashboards use _register_url)."""
    clientside_callback(
        """(search) => {
            if (typeof search === "string" && window.location.search !== search) {
                window.history.replaceState(null, "", window.location.pathname + search);
            }
        }""",
        Input(f"{page}-url", "data"),
        prevent_initial_call=True,
    )
