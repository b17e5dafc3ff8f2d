"""What a card shows instead of data: nothing yet, nothing found, or a failure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def error_state(message: str, query_id: str | None = None, retry: dict | None = None) -> dbc.Alert:
    """A plain message the user can act on, with a retry button when `retry` (an id) is given;
    never a traceback."""
    children = [html.Strong("Could not load this data. "), html.Span(message)]
    if query_id:
        children.append(html.Div(f"Query id: {query_id}", className="small text-muted mt-1 query-id"))
    if retry is not None:
        children.append(dbc.Button("Retry", id=retry, size="sm", color="danger", outline=True,
                                   className="mt-2 retry"))
    return dbc.Alert(children, color="danger", className="state state-error mb-2")


def notice(messages: list[str]) -> list:
    """Warnings about input that was ignored or corrected (e.g. an invalid date in the URL)."""
    return [dbc.Alert(m, color="warning", className="py-2 mb-2", dismissable=True) for m in messages]
