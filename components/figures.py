"""Figure builders: an aggregated frame in, a Plotly figure (as a plain dict) out.

Plain dicts skip plotly.graph_objects' validation, which costs more than the rest of a warm
callback; the shapes used here are few and covered by tests that render them in a browser.
"""

from __future__ import annotations

import pandas as pd

PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]
_FONT = {"family": "Inter, system-ui, -apple-system, Segoe UI, sans-serif", "size": 12}


def base_layout(**overrides) -> dict:
    layout = {
        "font": _FONT,
        "margin": {"l": 48, "r": 16, "t": 8, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "xaxis": {"gridcolor": "rgba(128,128,128,0.15)", "zeroline": False},
        "yaxis": {"gridcolor": "rgba(128,128,128,0.15)", "zeroline": False, "rangemode": "tozero"},
    }
    layout.update(overrides)
    return layout


def _days(series: pd.Series) -> list[str]:
    return pd.to_datetime(series).dt.strftime("%Y-%m-%d").tolist()


def trend_figure(daily: pd.DataFrame) -> dict:
    """Daily interactions (bars) with the failure rate (line, right axis)."""
    days = _days(daily["day"])
    return {
        "data": [
            {
                "type": "bar",
                "name": "Interactions",
                "x": days,
                "y": daily["interactions"].tolist(),
                "marker": {"color": PALETTE[0]},
                "hovertemplate": "%{y:,}",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Failure rate",
                "x": days,
                "y": daily["failure_rate"].round(4).tolist(),
                "yaxis": "y2",
                "line": {"color": PALETTE[3], "width": 2},
                "hovertemplate": "%{y:.1%}",
            },
        ],
        "layout": base_layout(
            bargap=0.15,
            yaxis2={"overlaying": "y", "side": "right", "tickformat": ".1%", "rangemode": "tozero",
                    "showgrid": False},
        ),
    }


def breakdown_figure(frame: pd.DataFrame, *, category: str, series: str, value: str) -> dict:
    """Horizontal stacked bars: one bar per `category`, one colour per `series`."""
    categories = sorted(frame[category].unique().tolist())
    traces = []
    for i, (name, group) in enumerate(frame.groupby(series, sort=True)):
        values = group.set_index(category)[value].reindex(categories).fillna(0)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": str(name),
                "y": categories,
                "x": values.tolist(),
                "marker": {"color": PALETTE[i % len(PALETTE)]},
                "hovertemplate": "%{x:,}",
            }
        )
    return {
        "data": traces,
        "layout": base_layout(barmode="stack", hovermode="y unified", margin={"l": 120, "r": 16, "t": 8, "b": 40}),
    }
