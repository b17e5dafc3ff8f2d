"""Bind named parameters (`:name`) as typed literal nodes in the tree, never as pasted text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlglot.expressions as exp

from queries.errors import QueryRejected


def bind(tree: exp.Expression, params: Mapping[str, Any]) -> exp.Expression:
    """Replace every `:name` placeholder with a literal of the value's type.

    Raises QueryRejected when the SQL asks for a parameter that was not given.
    """
    tree = tree.copy()
    for placeholder in list(tree.find_all(exp.Placeholder)):
        name = placeholder.name
        if not name or name == "?":
            raise QueryRejected("positional parameters (?) are not supported; use :name")
        if name not in params:
            raise QueryRejected(f"missing parameter :{name}")
        value = params[name]
        if isinstance(value, (list, tuple)):
            _bind_list(placeholder, name, value)
        else:
            placeholder.replace(literal(value))
    return tree


def literal(value: Any) -> exp.Expression:
    """A typed literal node for a Python value."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMP)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise QueryRejected(f"unsupported parameter type {type(value).__name__}")


def _bind_list(placeholder: exp.Placeholder, name: str, values: list | tuple) -> None:
    parent = placeholder.parent
    if not isinstance(parent, exp.In) or not values:
        raise QueryRejected(f"list parameter :{name} must be non-empty and used as IN (:{name})")
    items = [literal(v) for v in values]
    others = [e for e in parent.expressions if e is not placeholder]
    parent.set("expressions", others + items)
