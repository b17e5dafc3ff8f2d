"""A titled card around one chart, with a loading state and room for a message."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def chart_card(title: str, graph_id: str, message_id: str, *, height: int = 340) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(title, className="chart-title"),
            dbc.CardBody(
                dcc.Loading(
                    [
                        html.Div(id=message_id),
                        dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": f"{height}px"},
                                  figure=blank_figure()),
                    ],
                    type="dot",
                    delay_show=150,
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
