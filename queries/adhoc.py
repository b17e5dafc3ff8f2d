"""Ad hoc SQL (SQL Lab, Explore): exactly one read-only SELECT/WITH statement, capped and scoped.

    compile_sql(sql, principal, filters, dialect, row_cap) -> final SQL for the engine

1. refuse: control and invisible characters; anything but one SELECT (or WITH ... SELECT, UNION,
   INTERSECT, EXCEPT); statements inside it (INTO, SET, PRAGMA, COPY, ATTACH, ...); parameters;
   WITH RECURSIVE; table functions and file paths (`read_parquet(...)`, `'x.csv'`); qualified
   names (other catalogs and schemas, information_schema, system tables); any table that is not
   one of the data model's tables or a WITH query in scope; functions outside the allowed set;
2. cap the rows at `row_cap` (a smaller LIMIT of the user's own is kept);
3. scope every base table to the principal's tenants and filters (`guard.scope_tables`);
4. transpile, then parse the final SQL again and check that every base-table read sits in a
   tenant-filtered subquery, so a transpiler slip cannot open a hole.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import sqlglot
import sqlglot.expressions as exp
from sqlglot.errors import ParseError
from sqlglot.optimizer.scope import Scope, traverse_scope

from queries import binding, dialect, guard
from queries.errors import QueryRejected
from queries.filters import Filters
from queries.principal import Principal
from queries.tables import TABLES

NAME = "sql"  # the name ad hoc queries carry in history and errors
MAX_SQL_CHARS = 100_000
_ROOTS = (exp.Select, exp.SetOperation)
_FORBIDDEN_NODES = (
    exp.DDL, exp.DML, exp.Command, exp.Into, exp.Set, exp.SetItem, exp.Pragma, exp.Copy, exp.Use,
    exp.Transaction, exp.Commit, exp.Rollback, exp.Describe, exp.Attach, exp.Detach, exp.Install,
    exp.Analyze, exp.Export, exp.Kill, exp.Grant, exp.Revoke, exp.Show, exp.Cache, exp.Uncache,
    exp.Refresh, exp.LoadData, exp.Summarize, exp.Comment, exp.TruncateTable, exp.Declare, exp.Execute,
    exp.ExecuteSql, exp.LockingStatement, exp.Lock, exp.Parameter, exp.SessionParameter, exp.TableFromRows,
)
# Typed functions that read files or the session, or produce tables.
_FORBIDDEN_FUNCTIONS = (
    exp.ReadCSV, exp.ReadParquet, exp.ToFile, exp.GenerateTable, exp.JSONTable, exp.XMLTable, exp.OpenJSON,
    exp.SplitToTable, exp.StrtokSplitToTable, exp.NextValueFor, exp.SessionUser,
)
_HARMLESS_CURRENT = frozenset({"CurrentDate", "CurrentTime", "CurrentTimestamp", "CurrentDatetime",
                               "CurrentTimezone"})
# Athena functions sqlglot does not model (it parses them as "anonymous"). Anything else it does
# not know is refused: unknown names are how engine-specific file and settings functions arrive.
ALLOWED_ANONYMOUS = frozenset({
    "checksum", "codepoint", "e", "every", "format_datetime", "geometric_mean", "histogram",
    "human_readable_seconds", "is_finite", "is_infinite", "json_array_length", "map_agg", "millisecond",
    "url_extract_host", "url_extract_parameter", "url_extract_path", "yow", "zip", "to_iso8601",
    "at_timezone", "with_timezone", "timezone_hour", "timezone_minute", "normal_cdf", "map_values",
    "date_part", "year_of_week", "last_day_of_month", "array_except", "array_intersect", "array_union",
    "arrays_overlap", "array_remove", "word_stem", "hamming_distance", "bitwise_xor", "bitwise_not",
    "from_base", "to_base", "infinity", "nan", "beta_cdf", "inverse_normal_cdf", "wilson_interval_lower",
    "wilson_interval_upper", "approx_most_frequent", "numeric_histogram", "map_concat", "map_filter",
    "multimap_agg", "typeof",
})


def compile_sql(
    sql: str, principal: Principal, filters: Filters | None, target_dialect: str, row_cap: int
) -> str:
    """The final engine SQL for one ad hoc statement, or QueryRejected saying what was refused.

    `:start_date` and `:end_date` bind to the filters' dates, as in named SQL.
    """
    if not isinstance(sql, str):
        raise QueryRejected("the SQL must be text", name=NAME)
    return _compile(sql, principal, filters, target_dialect, row_cap)


@lru_cache(maxsize=1024)
def _compile(sql: str, principal: Principal, filters: Filters | None, target_dialect: str, row_cap: int) -> str:
    tree = validate(sql)
    tree = cap_rows(tree, row_cap)
    params = {} if filters is None else {"start_date": filters.start, "end_date": filters.end}
    tree = binding.bind(tree, params)
    tree = guard.scope_tables(tree, principal, filters)
    try:
        final = dialect.to_dialect(tree, target_dialect)
    except QueryRejected as err:
        raise QueryRejected(err.message, name=NAME) from None
    verify_scoped(final, target_dialect, principal, filters)
    return final


def validate(sql: str) -> exp.Expression:
    """Parse `sql` and refuse anything but one read-only query over the data model (see module doc)."""
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRejected(f"the SQL is longer than {MAX_SQL_CHARS:,} characters", name=NAME)
    _refuse_hidden_characters(sql)
    try:
        tree = dialect.parse(sql)
    except QueryRejected as err:
        raise QueryRejected(err.message, name=NAME) from None
    while isinstance(tree, exp.Subquery) and not tree.alias:  # "(SELECT ...)" on its own
        tree = tree.this
    if not isinstance(tree, _ROOTS):
        raise QueryRejected("only one SELECT statement (or WITH ... SELECT) is allowed", name=NAME)
    for node in tree.walk():
        _check_node(node)
        node.comments = None  # comments never reach the engine
    _refuse_shadowing_ctes(tree)
    _check_tables(tree)
    return tree


def cap_rows(tree: exp.Expression, row_cap: int) -> exp.Expression:
    """Limit the statement to `row_cap` rows, keeping a smaller literal LIMIT of its own."""
    current = tree.args.get("limit")
    count = current.args.get("count") if isinstance(current, exp.Fetch) else getattr(current, "expression", None)
    if isinstance(count, exp.Literal) and not count.is_string and count.is_int and int(count.name) <= row_cap:
        return tree
    return tree.limit(row_cap, copy=True)


def verify_scoped(final_sql: str, target_dialect: str, principal: Principal, filters: Filters | None) -> None:
    """Parse the SQL the engine will run and check every base-table read is tenant-filtered.

    Raises QueryRejected (and the query never runs) when it is not, whatever the cause.
    """
    try:
        statements = [s for s in sqlglot.parse(final_sql, read=target_dialect) if s is not None]
    except ParseError:
        raise QueryRejected("the query could not be checked after translation", name=NAME) from None
    if len(statements) != 1 or not isinstance(statements[0], _ROOTS):
        raise QueryRejected("the query could not be checked after translation", name=NAME)
    visible = guard.visible_tenants(principal, filters)
    allowed = None if visible is None else frozenset(visible)
    for table in statements[0].find_all(exp.Table):
        if table.db or table.catalog or not isinstance(table.this, exp.Identifier):
            raise QueryRejected("the translated query reads outside the data model", name=NAME)
        if table.name.lower() in TABLES and allowed is not None and not _tenant_filtered(table, allowed):
            raise QueryRejected(f"the read of {table.name!r} is not scoped to your tenants", name=NAME)


def _refuse_hidden_characters(sql: str) -> None:
    for char in sql:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in "\t\n\r") or category in ("Cf", "Co", "Cs", "Zl", "Zp"):
            raise QueryRejected(f"the SQL contains an invisible or control character (U+{ord(char):04X})",
                                name=NAME)


def _check_node(node: exp.Expression) -> None:
    if isinstance(node, _FORBIDDEN_NODES):
        raise QueryRejected(f"{node.key.upper()} is not allowed: only reading queries run here", name=NAME)
    if isinstance(node, exp.Placeholder) and node.name not in ("start_date", "end_date"):
        raise QueryRejected("the only parameters are :start_date and :end_date", name=NAME)
    if isinstance(node, exp.With) and node.args.get("recursive"):
        raise QueryRejected("WITH RECURSIVE is not allowed", name=NAME)
    if isinstance(node, exp.Column) and (node.args.get("db") or node.args.get("catalog")):
        raise QueryRejected(f"write column names as table.column, not {node.sql('athena')!r}", name=NAME)
    if isinstance(node, (exp.Anonymous, exp.AnonymousAggFunc)):
        if str(node.name).lower() not in ALLOWED_ANONYMOUS:
            raise QueryRejected(f"the function {node.name!r} is not allowed", name=NAME)
    elif isinstance(node, exp.Func) and (
        isinstance(node, _FORBIDDEN_FUNCTIONS)
        or (type(node).__name__.startswith("Current") and type(node).__name__ not in _HARMLESS_CURRENT)
    ):
        raise QueryRejected(f"the function {node.sql_name()!r} is not allowed", name=NAME)


def _refuse_shadowing_ctes(tree: exp.Expression) -> None:
    """A WITH query named like a table is legal SQL, but the name then means two things; user SQL
    gets no such ambiguity for this guard and an engine to read differently."""
    for cte in tree.find_all(exp.CTE):
        if cte.alias_or_name.lower() in TABLES:
            raise QueryRejected(f"a WITH query may not be named like the table {cte.alias_or_name!r}", name=NAME)


def _check_tables(tree: exp.Expression) -> None:
    """Every table reference is a data-model table or a WITH query in scope, unqualified."""
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise QueryRejected("table functions are not allowed; read the tables of the data model", name=NAME)
        if table.db or table.catalog:
            raise QueryRejected(f"write the table name alone, not {table.sql('athena')!r}: other schemas and "
                                "catalogs are not available", name=NAME)
    placed: set[int] = set()
    try:
        scopes = traverse_scope(tree)
    except Exception:  # sqlglot cannot resolve the scopes: refuse rather than guess
        raise QueryRejected("the query's table references could not be resolved", name=NAME) from None
    for scope in scopes:
        for node, source in scope.selected_sources.values():
            if not isinstance(node, exp.Table):
                continue
            if isinstance(source, Scope) or node.name.lower() in TABLES:  # a WITH query or a base table
                placed.add(id(node))
            else:
                raise QueryRejected(f"unknown table {node.name!r}; the tables are {', '.join(TABLES)}", name=NAME)
    for table in tree.find_all(exp.Table):
        if id(table) not in placed:
            raise QueryRejected(f"cannot resolve the table reference {table.name!r}", name=NAME)


def _tenant_filtered(table: exp.Table, allowed: frozenset[str]) -> bool:
    """The shape `scope_tables` builds: (SELECT ... FROM t WHERE tenant_id IN (...) AND ...) alone."""
    select = table.parent.parent if isinstance(table.parent, exp.From) else None
    if not isinstance(select, exp.Select) or select.args.get("joins") or select.args.get("where") is None:
        return False
    condition = select.args["where"].this
    conjuncts = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    for term in conjuncts:
        if isinstance(term, exp.Boolean) and not term.this:
            return True  # no visible tenant: no rows
        if (isinstance(term, exp.In) and isinstance(term.this, exp.Column) and term.this.name == "tenant_id"
                and not term.args.get("query") and term.expressions
                and all(isinstance(v, exp.Literal) and v.is_string and v.name in allowed for v in term.expressions)):
            return True
    return False
