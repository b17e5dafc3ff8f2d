"""Row scoping on the parsed SQL: every base-table reference reads only the rows a user may see.

Each reference to a base table is replaced by a filtered subquery under the same alias,
`(SELECT * FROM interactions WHERE tenant_id IN (...) AND ...) AS i`. Filtering the table itself,
rather than adding to the outer WHERE, keeps LEFT JOIN semantics and cannot be undone by anything
the outer query says (an `OR 1=1` only sees already-scoped rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlglot.expressions as exp
from sqlglot.optimizer.scope import traverse_scope

from queries.errors import QueryRejected
from queries.filters import Filters
from queries.principal import Principal
from queries.tables import TABLES, Table

# A filter on a column a table lacks is applied through the table that has it, so that
# "channel = web" also narrows notes to those drafted in web interactions.
_RELATED = {
    "interactions": {"specialty": ("clinician_id", "clinicians")},
    "clinical_notes": {
        "channel": ("interaction_id", "interactions"),
        "interaction_type": ("interaction_id", "interactions"),
        "model_version": ("interaction_id", "interactions"),
    },
}


def scope_tables(tree: exp.Expression, principal: Principal, filters: Filters | None) -> exp.Expression:
    """Return a copy of `tree` whose base tables are filtered to the principal and filters."""
    tree = tree.copy()
    for table in _base_table_refs(tree):
        predicate = row_predicate(TABLES[table.name.lower()], principal, filters)
        if predicate is None:
            continue
        alias = table.alias_or_name
        scoped = exp.select("*").from_(exp.to_table(table.name.lower())).where(predicate)
        table.replace(exp.Subquery(this=scoped, alias=exp.TableAlias(this=exp.to_identifier(alias))))
    return tree


def row_predicate(table: Table, principal: Principal, filters: Filters | None) -> exp.Expression | None:
    """The WHERE condition for one base table, or None when every row is visible."""
    conditions: list[exp.Expression] = []
    tenants = _visible_tenants(principal, filters)
    if tenants is not None:
        conditions.append(_in("tenant_id", tenants))
    if filters is not None:
        if table.partitioned:
            conditions.append(
                exp.column("dt").between(_day(filters.start), _day(filters.end))
            )
        for column, values in filters.dimension_values().items():
            if column in table.column_names:
                conditions.append(_in(column, values))
            elif column in _RELATED.get(table.name, {}):
                key, other = _RELATED[table.name][column]
                related = exp.select(key).from_(other).where(_in(column, values))
                conditions.append(exp.column(key).isin(query=related))
    if not conditions:
        return None
    return exp.and_(*conditions)


def _visible_tenants(principal: Principal, filters: Filters | None) -> tuple[str, ...] | None:
    """Tenants whose rows are visible; None means all. A filter can narrow, never widen."""
    wanted = set(filters.tenants) if filters is not None and filters.tenants else None
    if principal.all_tenants:
        return tuple(sorted(wanted)) if wanted else None
    allowed = set(principal.tenants or ())
    return tuple(sorted(allowed & wanted if wanted else allowed))


def _base_table_refs(tree: exp.Expression) -> Iterable[exp.Table]:
    """Every exp.Table that names a base table (not a CTE or a derived table)."""
    refs = []
    for scope in traverse_scope(tree):
        for source in scope.sources.values():
            if isinstance(source, exp.Table) and source.name.lower() in TABLES:
                refs.append(source)
    for table in tree.find_all(exp.Table):
        if table.name.lower() in TABLES and not any(table is r for r in refs) and not _is_cte_ref(table):
            # A base table that traverse_scope did not place must not slip through unscoped.
            raise QueryRejected(f"cannot scope the reference to {table.name!r} in this SQL")
    return refs


def _is_cte_ref(table: exp.Table) -> bool:
    for ancestor in _ancestors(table):
        with_ = ancestor.args.get("with_") or ancestor.args.get("with")
        if isinstance(with_, exp.With) and any(
            cte.alias_or_name.lower() == table.name.lower() for cte in with_.expressions
        ):
            return True
    return False


def _ancestors(node: exp.Expression) -> Iterable[exp.Expression]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _in(column: str, values: Iterable[str]) -> exp.Expression:
    values = tuple(values)
    if not values:
        return exp.false()  # no visible value: no rows, never all rows
    return exp.column(column).isin(*[exp.Literal.string(v) for v in values])


def _day(day: dt.date) -> exp.Expression:
    return exp.Literal.string(day.isoformat())  # dt is a string partition key
