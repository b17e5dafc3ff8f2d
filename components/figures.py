"""Figure builders: an aggregated frame in, a Plotly figure (as a plain dict) out.

Plain dicts skip plotly.graph_objects' validation, which costs more than the rest of a warm
callback; the shapes used here are few and covered by tests that render them in a browser.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]
ANOMALY_COLOR = "#dc2626"
SEQUENTIAL = [[0, "#eff6ff"], [0.5, "#60a5fa"], [1, "#1e3a8a"]]  # light = few, dark = many
FORECAST_COLOR = "#7c3aed"
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


def _values(series: pd.Series, digits: int = 4) -> list:
    """JSON-ready numbers: rounded (smaller payloads) with NaN as None (a gap, not an error)."""
    rounded = series.astype("float64").round(digits)
    return [None if v != v else v for v in rounded.tolist()]


def trend_figure(daily: pd.DataFrame, *, anomalies: Sequence[str] = (), forecast: pd.DataFrame | None = None,
                 value: str = "interactions", label: str = "Interactions") -> dict:
    """Daily volume (bars) with the failure rate (line, right axis); anomalous days and an
    optional forecast band on top."""
    days = _days(daily["day"])
    traces = [
        {"type": "bar", "name": label, "x": days, "y": daily[value].tolist(),
         "marker": {"color": PALETTE[0]}, "hovertemplate": "%{y:,}"},
        {"type": "scatter", "mode": "lines", "name": "Failure rate", "x": days,
         "y": _values(daily["failure_rate"]), "yaxis": "y2", "line": {"color": PALETTE[3], "width": 2},
         "hovertemplate": "%{y:.1%}"},
    ]
    traces += anomaly_traces(daily, anomalies, value)
    if forecast is not None and not forecast.empty:
        traces += forecast_traces(forecast)
    return {
        "data": traces,
        # "closest": a click then reports the one mark under the pointer (the drill-down needs to
        # know whether a bar or the failure-rate line was clicked).
        "layout": base_layout(
            bargap=0.15,
            hovermode="closest",
            margin={"l": 48, "r": 48, "t": 8, "b": 40},
            yaxis2={"overlaying": "y", "side": "right", "tickformat": ".1%", "rangemode": "tozero",
                    "showgrid": False},
        ),
    }


def anomaly_traces(frame: pd.DataFrame, days: Sequence[str], value: str, *, yaxis: str = "y") -> list[dict]:
    """Red rings on the days insights flagged (a trace, so they show in the legend and hover)."""
    if not len(days):
        return []
    flagged = frame[_days_index(frame).isin(set(days))]
    if flagged.empty:
        return []
    return [{"type": "scatter", "mode": "markers", "name": "Anomaly", "x": _days(flagged["day"]),
             "y": _values(flagged[value]), "yaxis": yaxis,
             "marker": {"color": "rgba(0,0,0,0)", "size": 13, "line": {"color": ANOMALY_COLOR, "width": 2.5}},
             "hovertemplate": "anomaly: %{y:,}"}]


def _days_index(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["day"]).dt.strftime("%Y-%m-%d")


def forecast_traces(forecast: pd.DataFrame, *, yaxis: str = "y") -> list[dict]:
    """A dashed mean line and a shaded prediction interval (columns day, mean, lower, upper)."""
    days = _days(forecast["day"])
    return [
        {"type": "scatter", "mode": "lines", "name": "Forecast interval", "x": days + days[::-1],
         "y": _values(forecast["upper"], 1) + _values(forecast["lower"], 1)[::-1], "yaxis": yaxis,
         "fill": "toself", "fillcolor": "rgba(124,58,237,0.15)", "line": {"width": 0},
         "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "name": "Forecast", "x": days, "y": _values(forecast["mean"], 1),
         "yaxis": yaxis, "line": {"color": FORECAST_COLOR, "dash": "dash", "width": 2},
         "hovertemplate": "forecast: %{y:,.0f}"},
    ]


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


def series_figure(frame: pd.DataFrame, *, x: str, y: str, series: str | None = None, kind: str = "line",
                  stack: bool = False, y_format: str | None = None, order: Sequence[str] | None = None,
                  events: Sequence[tuple[str, str]] = (), dash_by: dict[str, str] | None = None) -> dict:
    """One trace per value of `series` (or a single trace) over `x`.

    kind: "line", "bar" or "area" (stacked to 100% when `stack` and `y_format` is a percent).
    events: (day, label) pairs drawn as vertical markers, e.g. model rollouts.
    """
    groups = [(None, frame)] if series is None else list(frame.groupby(series, sort=True))
    if order is not None and series is not None:
        rank = {v: i for i, v in enumerate(order)}
        groups.sort(key=lambda g: rank.get(g[0], len(rank)))
    time_axis = pd.api.types.is_datetime64_any_dtype(frame[x])
    traces = []
    for i, (name, group) in enumerate(groups):
        group = group.sort_values(x)
        xs = _days(group[x]) if time_axis else group[x].tolist()
        trace = {"name": str(name) if name is not None else y, "x": xs, "y": _values(group[y]),
                 "hovertemplate": f"%{{y:{y_format or ',.4~'}}}"}
        color = PALETTE[i % len(PALETTE)]
        if kind == "bar":
            trace.update(type="bar", marker={"color": color})
        else:
            trace.update(type="scatter", mode="lines", line={"color": color, "width": 2})
            if dash_by and str(name) in dash_by:
                trace["line"]["dash"] = dash_by[str(name)]
            if kind == "area":
                trace.update(stackgroup="one", line={"color": color, "width": 0.5})
        traces.append(trace)
    layout = base_layout(yaxis={"gridcolor": "rgba(128,128,128,0.15)", "zeroline": False, "rangemode": "tozero",
                                **({"tickformat": y_format} if y_format else {})})
    if kind == "bar":
        layout.update(barmode="stack" if stack else "group", bargap=0.15)
    if events:
        layout["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": d, "x1": d, "y0": 0, "y1": 1,
                             "line": {"color": "#64748b", "width": 1, "dash": "dot"}} for d, _ in events]
        layout["annotations"] = [{"x": d, "y": 1, "xref": "x", "yref": "paper", "text": label,
                                  "showarrow": False, "xanchor": "left", "yanchor": "top",
                                  "font": {"size": 11, "color": "#64748b"}} for d, label in events]
    return {"data": traces, "layout": layout}


def heatmap_figure(frame: pd.DataFrame, *, x: str, y: str, z: str, x_labels: Sequence, y_labels: Sequence,
                   z_format: str = ",", colorscale: list | str | None = None, text_format: str | None = None) -> dict:
    """A grid of cells; missing cells are empty. Labels fix the order of both axes;
    `frame[x]` and `frame[y]` hold values of `x_labels` and `y_labels`."""
    grid = frame.pivot_table(index=y, columns=x, values=z, aggfunc="sum").reindex(
        index=list(y_labels), columns=list(x_labels))
    cells = [[None if v != v else round(float(v), 4) for v in row] for row in grid.to_numpy()]
    trace = {"type": "heatmap", "x": [str(v) for v in x_labels], "y": [str(v) for v in y_labels], "z": cells,
             "colorscale": colorscale or SEQUENTIAL, "hovertemplate": f"%{{y}} · %{{x}}: %{{z:{z_format}}}<extra></extra>",
             "xgap": 2, "ygap": 2, "colorbar": {"thickness": 10, "tickformat": z_format}}
    if text_format:
        trace.update(texttemplate=f"%{{z:{text_format}}}", textfont={"size": 10})
    return {"data": [trace], "layout": base_layout(hovermode="closest",
                                                   yaxis={"autorange": "reversed", "type": "category"},
                                                   xaxis={"type": "category"},
                                                   margin={"l": 80, "r": 16, "t": 8, "b": 40})}


def ranked_bars_figure(frame: pd.DataFrame, *, category: str, value: str, x_format: str = ",",
                       highlight: int = 3) -> dict:
    """Horizontal bars sorted high to low; the top and bottom `highlight` bars are coloured."""
    ranked = frame.sort_values(value, ascending=True)
    n = len(ranked)
    colors = [PALETTE[3] if i < highlight else PALETTE[1] if i >= n - highlight else "#94a3b8"
              for i in range(n)]
    trace = {"type": "bar", "orientation": "h", "y": ranked[category].astype(str).tolist(),
             "x": _values(ranked[value]), "marker": {"color": colors},
             "hovertemplate": f"%{{y}}: %{{x:{x_format}}}<extra></extra>"}
    return {"data": [trace], "layout": base_layout(hovermode="closest", showlegend=False,
                                                   xaxis={"tickformat": x_format,
                                                          "gridcolor": "rgba(128,128,128,0.15)"},
                                                   yaxis={"automargin": True},
                                                   margin={"l": 16, "r": 16, "t": 8, "b": 40})}


def grouped_bars_figure(frame: pd.DataFrame, *, category: str, series: str, value: str,
                        categories: Sequence[str] | None = None, x_format: str = ",") -> dict:
    """Vertical bars, one group per `category`, one bar per `series` value."""
    cats = list(categories) if categories is not None else sorted(frame[category].unique().tolist())
    traces = []
    for i, (name, group) in enumerate(frame.groupby(series, sort=True)):
        values = group.set_index(category)[value].reindex(cats)
        traces.append({"type": "bar", "name": str(name), "x": [str(c) for c in cats], "y": _values(values),
                       "marker": {"color": PALETTE[i % len(PALETTE)]}, "hovertemplate": f"%{{y:{x_format}}}"})
    return {"data": traces, "layout": base_layout(barmode="group", hovermode="x unified",
                                                  yaxis={"tickformat": x_format, "rangemode": "tozero",
                                                         "gridcolor": "rgba(128,128,128,0.15)"})}


def table_figure(header: Sequence[str], rows: Sequence[Sequence[str]]) -> dict:
    """A small table drawn by Plotly (already formatted text), for side-by-side comparisons."""
    columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in header]
    return {
        "data": [{
            "type": "table",
            "header": {"values": [f"<b>{h}</b>" for h in header], "align": "left", "height": 30,
                       "fill": {"color": "rgba(100,116,139,0.15)"}},
            "cells": {"values": columns, "align": "left", "height": 28, "fill": {"color": "rgba(0,0,0,0)"}},
        }],
        "layout": base_layout(margin={"l": 4, "r": 4, "t": 4, "b": 4}),
    }
