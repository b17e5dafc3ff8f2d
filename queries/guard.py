"""Row scoping on the parsed SQL: every base-table reference reads only the rows a user may see.

Each reference to a base table is replaced by a filtered subquery under the same alias,
`(SELECT * FROM interactions WHERE tenant_id IN (...) AND ...) AS i`. Filtering the table itself,
rather than adding to the outer WHERE, keeps LEFT JOIN semantics and cannot be undone by anything
the outer query says (an `OR 1=1` only sees already-scoped rows).

Viewers see `patient_id` pseudonymised: their scoped subquery projects a keyed hash in its place,
built from functions Athena and DuckDB share, so named and ad hoc SQL give the same pseudonyms
on both engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlglot
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


# Columns shown pseudonymised, and to whom.
MASKED_COLUMNS = frozenset({"patient_id"})
MASKED_ROLES = frozenset({"viewer"})
PSEUDONYM_PREFIX = "anon_"


def scope_tables(tree: exp.Expression, principal: Principal, filters: Filters | None) -> exp.Expression:
    """Return a copy of `tree` whose base tables are filtered to the principal and filters."""
    tree = tree.copy()
    masked = masked_columns(principal)
    for table in _base_table_refs(tree):
        base = TABLES[table.name.lower()]
        if table.args.get("joins"):
            # `(a JOIN b ON ...)` hangs the join on the table node; replacing it would drop the join.
            raise QueryRejected("write joins without parentheses around them")
        predicate = row_predicate(base, principal, filters)
        hidden = masked & set(base.column_names)
        if predicate is None and not hidden:
            continue
        scoped = exp.select(*_projection(base, hidden)).from_(exp.to_table(base.name))
        if predicate is not None:
            scoped = scoped.where(predicate)
        alias = table.args.get("alias")
        alias = alias.copy() if alias is not None else exp.TableAlias(this=exp.to_identifier(table.name))
        table.replace(exp.Subquery(this=scoped, alias=alias))
    return tree


def masked_columns(principal: Principal) -> frozenset[str]:
    """The columns `principal` sees pseudonymised."""
    return MASKED_COLUMNS if principal.role in MASKED_ROLES else frozenset()


def pseudonym(value: exp.Expression, key: str) -> exp.Expression:
    """`'anon_' || substr(lower(to_hex(sha256(to_utf8(key || ':' || value)))), 1, 16)` (Athena SQL).

    A keyed SHA-256 (HMAC is not built into DuckDB); NULL stays NULL on both engines because
    `||` with NULL is NULL. The key is a string literal node, never pasted into SQL text.
    """
    template = sqlglot.parse_one(
        f"'{PSEUDONYM_PREFIX}' || substr(lower(to_hex(sha256(to_utf8(:key || ':' || :value)))), 1, 16)",
        read="athena",
    )
    for placeholder in list(template.find_all(exp.Placeholder)):
        placeholder.replace(exp.Literal.string(key) if placeholder.name == "key" else value.copy())
    return template


def _masking_key() -> str:
    from settings import get_settings

    return get_settings().masking_key


def _projection(table: Table, hidden: set[str]) -> list[exp.Expression]:
    if not hidden:
        return [exp.Star()]
    key = _masking_key()
    return [
        exp.alias_(pseudonym(exp.column(c), key), c) if c in hidden else exp.column(c)
        for c in table.column_names
    ]


def row_predicate(table: Table, principal: Principal, filters: Filters | None) -> exp.Expression | None:
    """The WHERE condition for one base table, or None when every row is visible."""
    conditions: list[exp.Expression] = []
    tenants = visible_tenants(principal, filters)
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
                # The related table is scoped too, so every base-table read carries the tenant filter.
                related_conditions = [_in("tenant_id", tenants)] if tenants is not None else []
                related = exp.select(key).from_(other).where(exp.and_(*related_conditions, _in(column, values)))
                conditions.append(exp.column(key).isin(query=related))
    if not conditions:
        return None
    return exp.and_(*conditions)


def visible_tenants(principal: Principal, filters: Filters | None) -> tuple[str, ...] | None:
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
