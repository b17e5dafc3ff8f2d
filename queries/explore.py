"""Explore's query builder: a spec of catalog names in, one Athena SQL tree out.

The tree is built from catalog entries with sqlglot's builders, never by pasting text, and then
goes through the same guard (tenant scoping, filters), cache and history as every other query.

Shape, for metrics over one fact table:

    SELECT CAST(date_trunc('week', f.started_at) AS date) AS period, f.channel AS channel,
           count(*) AS interactions
    FROM interactions AS f
    WHERE f.channel IN ('web')
    GROUP BY 1, 2

Metrics over both fact tables become one such query per table, joined on the shared keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot.expressions as exp

from queries.catalog import DIMENSIONS, JOIN_KEYS, METRICS, TIME_COLUMNS, TIME_GRAINS
from queries.errors import QueryRejected

MAX_DIMENSIONS = 2
MAX_METRICS = 8


@dataclass(frozen=True)
class ExploreSpec:
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    grain: str | None = None  # day | week | month | quarter, or None for no time axis
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dimension -> values

    def validate(self) -> None:
        """Raise QueryRejected (a 400) for anything not in the catalog."""
        if not self.metrics:
            raise QueryRejected("choose at least one metric")
        if len(self.metrics) > MAX_METRICS:
            raise QueryRejected(f"choose at most {MAX_METRICS} metrics")
        if len(self.dimensions) > MAX_DIMENSIONS:
            raise QueryRejected(f"choose at most {MAX_DIMENSIONS} dimensions")
        unknown = [m for m in self.metrics if m not in METRICS]
        unknown += [d for d in (*self.dimensions, *self.where) if d not in DIMENSIONS]
        if unknown:
            raise QueryRejected(f"unknown metric or dimension: {', '.join(map(str, unknown))}")
        if self.grain is not None and self.grain not in TIME_GRAINS:
            raise QueryRejected(f"unknown time grain {self.grain!r}; use one of {', '.join(TIME_GRAINS)}")
        if len(set(self.dimensions)) != len(self.dimensions):
            raise QueryRejected("a dimension is chosen twice")


def build(spec: ExploreSpec) -> exp.Select:
    """The Athena SQL tree for `spec` (validated first)."""
    spec.validate()
    keys = (["period"] if spec.grain else []) + list(spec.dimensions)
    tables = list(dict.fromkeys(METRICS[m].table for m in spec.metrics))
    parts = {table: _fact_query(table, spec) for table in tables}
    if len(parts) == 1:
        query = next(iter(parts.values()))
        return query.order_by(*[exp.column(k) for k in keys]) if keys else query
    return _joined(parts, keys, spec)


def _fact_query(table: str, spec: ExploreSpec) -> exp.Select:
    """One aggregate query over `table` for the spec's metrics on that table."""
    query = exp.select().from_(_aliased(table, "f"))
    joined: set[str] = set()
    group = []
    if spec.grain:
        bucket = exp.cast(
            exp.func("date_trunc", exp.Literal.string(spec.grain), exp.column(TIME_COLUMNS[table], "f")),
            exp.DataType.Type.DATE,
        )
        query = query.select(bucket.as_("period"))
        group.append(bucket)
    for name in spec.dimensions:
        column, query = _dimension(table, name, query, joined)
        query = query.select(column.as_(name))
        group.append(column)
    for name, values in spec.where.items():
        if values:
            column, query = _dimension(table, name, query, joined)
            query = query.where(column.isin(*[exp.Literal.string(str(v)) for v in values]))
    for name in spec.metrics:
        metric = METRICS[name]
        if metric.table == table:
            query = query.select(_qualified(metric.expression, "f").as_(name))
    return query.group_by(*group) if group else query


def _dimension(table: str, name: str, query: exp.Select, joined: set[str]) -> tuple[exp.Column, exp.Select]:
    """The column giving dimension `name` on `table`, joining a related table when needed."""
    dimension = DIMENSIONS[name]
    direct = dimension.column_for(table)
    if direct is not None:
        return exp.column(direct, "f"), query
    for other, column in dimension.columns.items():
        key = JOIN_KEYS.get((table, other))
        if key is None:
            continue
        alias = f"j_{other}"
        if other not in joined:
            joined.add(other)
            query = query.join(
                _aliased(other, alias),
                on=exp.column(key, alias).eq(exp.column(key, "f")),
                join_type="left",
            )
        return exp.column(column, alias), query
    metric_words = table.replace("_", " ")
    raise QueryRejected(f"{metric_words} metrics cannot be split or filtered by {dimension.label.lower()}")


def _aliased(table: str, alias: str) -> exp.Expression:
    # A TableAlias node, as the parser makes: Table.as_() leaves a bare identifier, which
    # sqlglot's own optimizer then cannot read.
    return exp.alias_(exp.to_table(table), alias, table=True)


def _qualified(expression: exp.Expression, alias: str) -> exp.Expression:
    """Copy of a metric expression with its bare columns qualified by the fact table's alias."""
    tree = expression.copy()
    for column in tree.find_all(exp.Column):
        if not column.table:
            column.set("table", exp.to_identifier(alias))
    return tree


def _joined(parts: dict[str, exp.Select], keys: list[str], spec: ExploreSpec) -> exp.Select:
    """Per-table aggregates joined on their keys (a full join, so no group is dropped)."""
    names = list(parts)
    query = exp.select()
    for i, table in enumerate(names):
        query = query.with_(f"m{i}", as_=parts[table])
    query = query.from_(exp.to_table("m0"))
    for i in range(1, len(names)):
        if keys:
            on = exp.and_(*[exp.column(k, f"m{i}").eq(exp.column(k, "m0")) for k in keys])
            query = query.join(exp.to_table(f"m{i}"), on=on, join_type="full")
        else:
            query = query.join(exp.to_table(f"m{i}"), join_type="cross")
    for key in keys:
        coalesced = exp.func("coalesce", *[exp.column(key, f"m{i}") for i in range(len(names))])
        query = query.select(coalesced.as_(key))
    for name in spec.metrics:
        source = f"m{names.index(METRICS[name].table)}"
        query = query.select(exp.column(name, source).as_(name))
    return query.order_by(*[exp.column(k) for k in keys]) if keys else query
