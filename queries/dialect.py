"""Athena (Trino) SQL -> the engine's dialect, fixing the traps sqlglot leaves open.

Named SQL is written once in Athena SQL. On DuckDB it must give the same frame, so types are
annotated from the data model first; then:
- integer / integer truncates (sqlglot does this once the operand types are known);
- `date_add` on a DATE stays a DATE (DuckDB's DATE + INTERVAL is a TIMESTAMP);
- `count_if` and integer `sum` are BIGINT as in Trino (DuckDB makes them HUGEINT, which pandas
  turns into float64);
- `approx_percentile` becomes the exact, deterministic `quantile_disc`, which like Athena returns
  a value of the input column (t-digest results vary with thread scheduling, which would make
  cached and parity results flap).
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
import sqlglot.expressions as exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from queries.errors import QueryRejected
from queries.tables import TABLES

SOURCE_DIALECT = "athena"

# Load the dialects now, while one thread imports this module. sqlglot registers a dialect class
# before its module has finished loading (Athena's tokenizer is defined below the class), so two
# callbacks that first parse at the same moment could otherwise get a half-loaded Athena.
for _name in (SOURCE_DIALECT, "trino", "duckdb"):
    sqlglot.Dialect.get_or_raise(_name)

_DAY_OR_LONGER = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}


@lru_cache(maxsize=1)
def schema() -> dict[str, dict[str, str]]:
    """The data model in the form sqlglot's optimizer takes."""
    return {name: table.athena_types() for name, table in TABLES.items()}


def parse(sql: str) -> exp.Expression:
    """Parse one Athena SQL statement, or raise QueryRejected with the parser's message."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=SOURCE_DIALECT) if s is not None]
    except ParseError as err:
        raise QueryRejected(f"SQL syntax error: {_first_error(err)}") from None
    if len(statements) != 1:
        raise QueryRejected(f"expected exactly one SQL statement, got {len(statements)}")
    return statements[0]


def to_dialect(tree: exp.Expression, dialect: str) -> str:
    """Generate SQL for `dialect` ("athena" or "duckdb") from an Athena-SQL tree."""
    if dialect == SOURCE_DIALECT:
        return tree.sql(SOURCE_DIALECT)
    if dialect != "duckdb":
        raise ValueError(f"no transpiler for {dialect!r}")
    try:
        typed = annotate_types(
            qualify(tree.copy(), schema=schema(), dialect=SOURCE_DIALECT, validate_qualify_columns=True),
            schema=schema(),
            dialect=SOURCE_DIALECT,
        )
    except OptimizeError as err:
        raise QueryRejected(str(err)) from None
    return typed.transform(_duckdb_fixes).sql("duckdb")


def athena_to_duckdb(sql: str) -> str:
    """Transpile one Athena statement to DuckDB (used by the local Athena-compatible service)."""
    return to_dialect(parse(sql), "duckdb")


def _duckdb_fixes(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateAdd) and _is_date(node.this) and _unit(node) in _DAY_OR_LONGER:
        # Rebuild rather than wrap `node` itself, or transform() would revisit it forever.
        return exp.cast(node.copy(), exp.DataType.Type.DATE)
    if isinstance(node, exp.Window) and _bigint_aggregate(node.this):
        return exp.cast(node.copy(), exp.DataType.Type.BIGINT)  # CAST(SUM(x) OVER (...)), not inside
    if _bigint_aggregate(node) and not isinstance(node.parent, exp.Window):
        return exp.cast(node.copy(), exp.DataType.Type.BIGINT)
    if isinstance(node, exp.ApproxQuantile):
        return exp.Anonymous(this="quantile_disc", expressions=[node.this, node.args["quantile"]])
    return node


def _is_date(node: exp.Expression) -> bool:
    return node.type is not None and node.type.this == exp.DataType.Type.DATE


def _bigint_aggregate(node: exp.Expression) -> bool:
    return isinstance(node, exp.CountIf) or (isinstance(node, exp.Sum) and _is_integer(node.this))


def _is_integer(node: exp.Expression) -> bool:
    return node.type is not None and node.type.this in exp.DataType.INTEGER_TYPES


def _unit(node: exp.Expression) -> str:
    unit = node.args.get("unit")
    return unit.name.upper() if unit is not None else "DAY"


def _first_error(err: ParseError) -> str:
    if err.errors:
        first = err.errors[0]
        return f"{first.get('description')} (line {first.get('line')}, column {first.get('col')})"
    return str(err)
