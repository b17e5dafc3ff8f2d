"""The schema browser: the data model's tables, columns and Athena types, as clickable names.

Built from `queries.tables.TABLES`, so it is the same on every engine. Each name carries a
`data-insert` attribute; assets/sql_lab.js inserts it into the SQL editor at the cursor.
"""

from __future__ import annotations

from collections.abc import Mapping

import dash_bootstrap_components as dbc
from dash import html

from queries.tables import TABLES, Table


def schema_browser(editor_id: str, tables: Mapping[str, Table] = TABLES) -> html.Div:
    """One collapsible section per table; clicking a table or column name inserts it into `editor_id`."""
    items = [
        dbc.AccordionItem(_columns(table, editor_id), title=_title(table), item_id=table.name)
        for table in tables.values()
    ]
    return html.Div(
        [
            html.Div("Click a name to insert it", className="schema-hint small text-muted mb-1"),
            dbc.Accordion(items, start_collapsed=True, always_open=True, flush=True, className="schema-tables"),
        ],
        className="schema-browser",
    )


def _title(table: Table) -> html.Span:
    return html.Span(table.name, className="schema-table-name")


def _columns(table: Table, editor_id: str) -> html.Div:
    rows = [_name_button(table.name, "table", editor_id, f"Insert the table name {table.name}")]
    for column, athena_type in table.athena_types().items():
        rows.append(html.Div(
            [_name_button(column, "column", editor_id, f"Insert {column} ({athena_type})"),
             html.Span(athena_type, className="schema-type")],
            className="schema-column",
        ))
    if table.partitioned:
        rows.append(html.Div("dt: partition (YYYY-MM-DD)", className="schema-note small text-muted"))
    return html.Div(rows, className="schema-columns")


def _name_button(name: str, kind: str, editor_id: str, title: str) -> html.Button:
    return html.Button(name, type="button", className=f"schema-name schema-{kind}", title=title,
                       **{"data-insert": name, "data-editor": editor_id})
