"""The drill-down grid's SQL: one page of rows (and their count) for an AG Grid infinite-model
request, built as a sqlglot tree with bound literals, never by pasting strings.

A drill-down names a base table and conditions (`Drill`); the grid's request adds its own sort,
column filters and the row window. Every column and operator is checked against the data model,
so a hand-crafted request can ask for nothing outside it; the tree's SQL then takes the service's
ad hoc path (the guard's read-only check, row cap, tenant scope and page filters, the result
cache, history and audit), as SQL Lab's does.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlglot.expressions as exp

from queries import adhoc, dialect
from queries.binding import literal
from queries.errors import QueryRejected
from queries.filters import Filters
from queries.principal import Principal
from queries.service import QueryService
from queries.tables import TABLES

# The columns a grid shows, per table; pseudonymous patient tokens are left out of row listings.
GRID_COLUMNS: dict[str, tuple[str, ...]] = {
    "interactions": ("interaction_id", "started_at", "tenant_id", "clinician_id", "channel", "interaction_type",
                     "status", "model_version", "duration_sec", "ai_latency_ms", "tokens_in", "tokens_out",
                     "cost_usd", "feedback_rating"),
    "clinical_notes": ("note_id", "created_at", "tenant_id", "clinician_id", "note_type", "specialty",
                       "word_count", "ai_generated", "accepted", "edit_ratio", "time_to_sign_min",
                       "interaction_id"),
}
# Newest first, then the key, so paging is deterministic.
DEFAULT_ORDER = {"interactions": ("started_at", "interaction_id"), "clinical_notes": ("created_at", "note_id")}
MAX_PAGE = 1000  # rows one request may ask for
EXPORT_ROWS = 100_000  # rows an export of a drill-down may hold

def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    """A function node as Athena names it, so the transpiler knows it (day_of_week -> ISODOW)."""
    return exp.func(name, *args, dialect=dialect.SOURCE_DIALECT)


def _position(c: exp.Expression, v: str) -> exp.Expression:
    return _fn("strpos", c, literal(v))


# strpos rather than LIKE: no wildcard characters to escape, the same meaning on every engine.
_TEXT_OPS: dict[str, Callable[[exp.Expression, Any], exp.Expression]] = {
    "equals": lambda c, v: exp.EQ(this=c, expression=literal(v)),
    "notEqual": lambda c, v: exp.NEQ(this=c, expression=literal(v)),
    "contains": lambda c, v: exp.GT(this=_position(c, v), expression=literal(0)),
    "notContains": lambda c, v: exp.EQ(this=_position(c, v), expression=literal(0)),
    "startsWith": lambda c, v: exp.EQ(this=_position(c, v), expression=literal(1)),
    "endsWith": lambda c, v: exp.EQ(this=_fn("strpos", _fn("reverse", c), literal(v[::-1])),
                                    expression=literal(1)),
}
_NUMBER_OPS: dict[str, Callable[[exp.Expression, Any], exp.Expression]] = {
    "equals": lambda c, v: exp.EQ(this=c, expression=literal(v)),
    "notEqual": lambda c, v: exp.NEQ(this=c, expression=literal(v)),
    "lessThan": lambda c, v: exp.LT(this=c, expression=literal(v)),
    "lessThanOrEqual": lambda c, v: exp.LTE(this=c, expression=literal(v)),
    "greaterThan": lambda c, v: exp.GT(this=c, expression=literal(v)),
    "greaterThanOrEqual": lambda c, v: exp.GTE(this=c, expression=literal(v)),
}
_NUMERIC_TYPES = {"bigint", "int", "tinyint", "double"}


@dataclass(frozen=True)
class Drill:
    """The rows behind one mark: a base table and conditions, JSON-safe for a dcc.Store.

    Conditions are `[op, column, value...]` lists:
    - ["eq", column, value]              column = value (text, number or boolean)
    - ["dt_range", first, last]          partition days first..last (ISO dates, inclusive)
    - ["hour", hour]                     hour of the event time (0-23, UTC)
    - ["weekday", day]                   ISO weekday of the event time (1 = Monday)
    - ["range", column, low, high]       low <= column < high (either end may be null)
    - ["signup_range", first, last]      the clinician signed up first..last (either may be null)
    - ["specialty", value]               the clinician's specialty
    """

    table: str
    title: str
    where: tuple[tuple, ...] = ()

    def to_json(self) -> dict:
        return {"table": self.table, "title": self.title, "where": [list(c) for c in self.where]}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Drill:
        if not isinstance(data, Mapping) or data.get("table") not in GRID_COLUMNS:
            raise QueryRejected("unknown drill-down table")
        where = tuple(tuple(c) for c in data.get("where") or () if isinstance(c, list | tuple))
        return Drill(str(data["table"]), str(data.get("title", ""))[:200], where)


def drill_conditions(drill: Drill) -> list[exp.Expression]:
    table = TABLES[drill.table]
    time_col = exp.column(table.time_column)
    out = []
    for cond in drill.where:
        op, args = (cond[0], cond[1:]) if cond else (None, ())
        if op == "eq" and len(args) == 2:
            out.append(exp.EQ(this=_column(drill.table, args[0]), expression=_typed(drill.table, *args)))
        elif op == "dt_range" and len(args) == 2:
            first, last = (_iso_day(a) for a in args)
            out.append(exp.column("dt").between(literal(first), literal(last)))
        elif op == "hour" and len(args) == 1:
            out.append(exp.EQ(this=_fn("hour", time_col),
                              expression=literal(_int(args[0], 0, 23))))
        elif op == "weekday" and len(args) == 1:
            out.append(exp.EQ(this=_fn("day_of_week", time_col),
                              expression=literal(_int(args[0], 1, 7))))
        elif op == "range" and len(args) == 3:
            column = _column(drill.table, args[0])
            if args[1] is not None:
                out.append(exp.GTE(this=column, expression=_typed(drill.table, args[0], args[1])))
            if args[2] is not None:
                out.append(exp.LT(this=column.copy(), expression=_typed(drill.table, args[0], args[2])))
        elif op == "signup_range" and len(args) == 2:
            bounds = []
            if args[0] is not None:
                bounds.append(exp.GTE(this=exp.column("signup_date"), expression=literal(_date(args[0]))))
            if args[1] is not None:
                bounds.append(exp.LTE(this=exp.column("signup_date"), expression=literal(_date(args[1]))))
            out.append(_clinicians_where(exp.and_(*bounds) if bounds else exp.true()))
        elif op == "specialty" and len(args) == 1:
            out.append(_clinicians_where(exp.EQ(this=exp.column("specialty"), expression=literal(str(args[0])[:64]))))
        else:
            raise QueryRejected(f"unknown drill-down condition {str(op)[:40]!r}")
    return out


def _clinicians_where(condition: exp.Expression) -> exp.Expression:
    """clinician_id IN (clinicians matching `condition`): the guard scopes that subquery too."""
    return exp.column("clinician_id").isin(query=exp.select("clinician_id").from_("clinicians").where(condition))


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(_iso_day(value))


def filter_conditions(table: str, filter_model: Mapping[str, Any] | None) -> list[exp.Expression]:
    """AG Grid column filters (text and number, simple or combined) as predicates."""
    out = []
    for column, model in (filter_model or {}).items():
        if not isinstance(model, Mapping):
            raise QueryRejected("malformed column filter")
        out.append(_filter(table, column, model))
    return out


def _filter(table: str, column: str, model: Mapping[str, Any]) -> exp.Expression:
    if isinstance(model.get("conditions"), list):
        parts = [_filter(table, column, c) for c in model["conditions"][:4] if isinstance(c, Mapping)]
        if not parts:
            raise QueryRejected("empty combined filter")
        return exp.or_(*parts) if str(model.get("operator", "AND")).upper() == "OR" else exp.and_(*parts)
    col = _column(table, column)
    kind, op = model.get("filterType"), model.get("type")
    if op == "blank":
        return exp.Is(this=col, expression=exp.null())
    if op == "notBlank":
        return exp.Not(this=exp.Is(this=col, expression=exp.null()))
    if kind == "number":
        if op == "inRange":
            return exp.Between(this=col, low=literal(_number(model.get("filter"))),
                               high=literal(_number(model.get("filterTo"))))
        if op in _NUMBER_OPS:
            return _NUMBER_OPS[op](col, _number(model.get("filter")))
    if kind == "text" and op in _TEXT_OPS:
        return _TEXT_OPS[op](exp.cast(col, exp.DataType.Type.VARCHAR), str(model.get("filter", ""))[:200])
    raise QueryRejected(f"unsupported filter {str(kind)[:20]}/{str(op)[:20]} on {column}")


def rows_query(drill: Drill, request: Mapping[str, Any], days: DayWindow | None = None) -> exp.Select:
    """The tree for rows startRow..endRow of the request (sorted, filtered, paged). With `days`,
    only those partition days are read, and the offset counts from the window's first row."""
    start, end = _window(request)
    limit = max(0, min(end - start, MAX_PAGE))
    query = exp.select(*GRID_COLUMNS[drill.table]).from_(drill.table)
    query = _where(query, drill, request)
    if days is not None:
        query = query.where(exp.column("dt").between(literal(days.first), literal(days.last)), copy=False)
        start -= days.rows_before
    for key in _order(drill.table, request.get("sortModel")):
        query = query.order_by(key, copy=False)
    return query.limit(limit).offset(start) if start else query.limit(limit)


def day_counts_query(drill: Drill, request: Mapping[str, Any]) -> exp.Select:
    """Matching rows per partition day: their sum is the grid's row count (the day is a partition
    value, so this costs what a plain count does)."""
    table = TABLES[drill.table]
    if not table.partitioned:
        return _where(exp.select(exp.alias_(exp.Count(this=exp.Star()), "row_count")).from_(drill.table),
                      drill, request)
    query = exp.select("dt", exp.alias_(exp.Count(this=exp.Star()), "row_count")).from_(drill.table)
    return _where(query, drill, request).group_by("dt", copy=False)


def export_query(drill: Drill, request: Mapping[str, Any] | None = None) -> exp.Select:
    """Every row of the drill-down (up to EXPORT_ROWS), in the grid's current order."""
    return rows_query(drill, {**(request or {}), "startRow": 0, "endRow": 0}).limit(EXPORT_ROWS)


@dataclass(frozen=True)
class DayWindow:
    """The partition days that hold one block of rows, and the rows of the days ordered before them."""

    first: str
    last: str
    rows_before: int


def day_window(drill: Drill, request: Mapping[str, Any], day_counts: pd.DataFrame) -> DayWindow | None:
    """The days holding rows startRow..endRow when the grid is ordered by event time (its default,
    newest first): a partition day is the UTC day of the event time, so the block lies in a run of
    days, and the rows query reads those instead of top-N sorting the whole slice. None when the
    order is by another column, or nothing is there."""
    if not order_is_by_time(drill, request) or "dt" not in day_counts:
        return None
    start, end = _window(request)
    newest_first = bool(_order(drill.table, request.get("sortModel"))[0].args.get("desc"))
    days = day_counts.sort_values("dt", ascending=not newest_first)
    first = last = None
    before = seen = 0
    for day, count in zip(days["dt"], days["row_count"], strict=True):
        if first is None and seen + count > start:
            first, before = day, seen
        seen += int(count)
        if first is not None:
            last = day
            if seen >= end:
                break
    if first is None:
        return None
    return DayWindow(min(first, last), max(first, last), before)


def _window(request: Mapping[str, Any]) -> tuple[int, int]:
    return _int(request.get("startRow", 0), 0, 10**9), _int(request.get("endRow", 100), 0, 10**9)


def _where(query: exp.Select, drill: Drill, request: Mapping[str, Any]) -> exp.Select:
    conditions = drill_conditions(drill) + filter_conditions(drill.table, request.get("filterModel"))
    return query.where(exp.and_(*conditions), copy=False) if conditions else query


def _order(table: str, sort_model: Sequence[Mapping[str, Any]] | None) -> list[exp.Expression]:
    keys, seen = [], set()
    for item in sort_model or []:
        column = item.get("colId") if isinstance(item, Mapping) else None
        _column(table, column)
        if column not in seen:
            keys.append(exp.Ordered(this=exp.column(column), desc=item.get("sort") == "desc"))
            seen.add(column)
    for column in DEFAULT_ORDER[table]:
        if column not in seen:
            keys.append(exp.Ordered(this=exp.column(column), desc=True))
    return keys


def _column(table: str, name: Any) -> exp.Column:
    if not isinstance(name, str) or (name not in GRID_COLUMNS[table] and name != "dt"):
        raise QueryRejected(f"unknown column {str(name)[:40]!r} for {table}")
    return exp.column(name)


def _typed(table: str, column: str, value: Any) -> exp.Expression:
    kind = TABLES[table].athena_types().get(column)
    if kind in _NUMERIC_TYPES:
        return literal(_number(value))
    if kind == "boolean":
        if not isinstance(value, bool):
            raise QueryRejected(f"{column} takes true or false")
        return literal(value)
    if kind == "timestamp":
        return literal(dt.datetime.fromisoformat(str(value)))
    if kind == "date":
        return literal(dt.date.fromisoformat(_iso_day(value)))
    return literal(str(value)[:200])


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise QueryRejected("expected a number")
    try:
        number = float(value)
    except ValueError:
        raise QueryRejected("expected a number") from None
    return int(number) if number.is_integer() else number


def _int(value: Any, low: int, high: int) -> int:
    number = _number(value)
    if not low <= number <= high or int(number) != number:
        raise QueryRejected(f"expected a whole number from {low} to {high}")
    return int(number)


def _iso_day(value: Any) -> str:
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise QueryRejected("expected a date (YYYY-MM-DD)") from None


# --- running a grid tree ----------------------------------------------------------------

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="grid-rows")


def compile_tree(service: QueryService, tree: exp.Expression, principal: Principal, filters: Filters) -> str:
    """The final engine SQL of a grid tree: validated, tenant-scoped and filtered as ad hoc SQL is."""
    return adhoc.compile_sql(tree.sql(dialect.SOURCE_DIALECT), principal, filters, service.engine.dialect,
                             service.row_cap)


def run_tree(service: QueryService, tree: exp.Expression, principal: Principal, filters: Filters) -> pd.DataFrame:
    """Run a grid tree through the same path as SQL Lab: the guard (read-only check, row cap,
    tenant scope, page filters), the result cache, the query history and the audit log."""
    return service.run_sql(tree.sql(dialect.SOURCE_DIALECT), principal, filters=filters, source="page")


def fetch_page(service: QueryService, principal: Principal, filters: Filters, drill: Drill,
               request: Mapping[str, Any]) -> tuple[list[dict], int]:
    """Rows for one infinite-model block and the total row count of the drill-down.

    The per-day counts come first when the order is by event time, so the rows query reads only
    the days that hold the block (on a million-row slice: a few days instead of a year, which
    is also what Athena bills). Otherwise the rows and the count are queried side by side.
    """
    counts_tree = day_counts_query(drill, request)
    if order_is_by_time(drill, request):
        counts = run_tree(service, counts_tree, principal, filters)
        days = day_window(drill, request, counts)
        rows = run_tree(service, rows_query(drill, request, days), principal, filters) if days else None
    else:
        rows_future = _pool.submit(contextvars.copy_context().run, run_tree, service, rows_query(drill, request),
                                   principal, filters)
        counts = run_tree(service, counts_tree, principal, filters)
        rows = rows_future.result()
    total = int(counts["row_count"].sum()) if not counts.empty else 0
    return (records(rows) if rows is not None else []), total


def order_is_by_time(drill: Drill, request: Mapping[str, Any]) -> bool:
    """The grid is ordered by the table's event time first (its default order is)."""
    table = TABLES[drill.table]
    return table.partitioned and _order(drill.table, request.get("sortModel"))[0].this.name == table.time_column


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: timestamps as ISO text, missing values as None."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M:%S")
    return out.astype(object).where(out.notna(), None).to_dict("records")
