"""A titled card around one chart: header tools (options, export), a loading skeleton, a message."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def export_id(page: str, target: str, fmt: str) -> dict:
    """The id of one export menu item (pattern-matched by the page's download callback)."""
    return {"type": "export", "page": page, "target": target, "format": fmt}


def retry_id(page: str, target: str) -> dict:
    return {"type": "retry", "page": page, "target": target}


def export_menu(page: str, target: str) -> dbc.DropdownMenu:
    return dbc.DropdownMenu(
        [dbc.DropdownMenuItem("CSV", id=export_id(page, target, "csv")),
         dbc.DropdownMenuItem("Excel", id=export_id(page, target, "xlsx"))],
        label="Export", size="sm", color="link", align_end=True, className="export-menu",
        toggle_class_name="export-toggle",
    )


def chart_card(title: str, graph_id: str, message_id: str, *, height: int = 340, tools=None,
               page: str | None = None, target: str | None = None) -> dbc.Card:
    """`tools` are controls shown in the header; an export menu is added when `page` is given."""
    header = [html.Span(title, className="chart-title-text")]
    extras = list(tools or [])
    if page is not None and target is not None:
        extras.append(export_menu(page, target))
    header.append(html.Div(extras, className="chart-tools"))
    return dbc.Card(
        [
            dbc.CardHeader(header, className="chart-title"),
            dbc.CardBody(
                dcc.Loading(
                    [
                        html.Div(id=message_id),
                        dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": f"{height}px"},
                                  figure=blank_figure()),
                    ],
                    type="dot",
                    delay_show=150,
                    className="chart-loading",
                    custom_spinner=html.Div(className="skeleton", style={"height": f"{height}px"}),
                )
            ),
        ],
        className="chart-card mb-3",
    )


def blank_figure(message: str = "") -> dict:
    """A figure with no axes, optionally carrying a centred message."""
    layout = {
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    if message:
        layout["annotations"] = [
            {"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
             "font": {"size": 14, "color": "#6c757d"}}
        ]
    return {"data": [], "layout": layout}
