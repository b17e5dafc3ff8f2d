"""Explore's chart: a result frame (keys then metrics) as a line, bar, stacked bar, area or heatmap."""

from __future__ import annotations

import pandas as pd

from components.figures import PALETTE, base_layout

CHART_TYPES = {
    "line": "Line",
    "bar": "Bar",
    "stacked": "Stacked bar",
    "area": "Area",
    "heatmap": "Heatmap",
    "table": "Table only",
}
MAX_SERIES = 12  # more lines than this is noise: the rest are folded into "other"


def explore_figure(frame: pd.DataFrame, keys: list[str], metrics: list[str], chart: str,
                   labels: dict[str, str]) -> dict:
    """The figure for `chart`. The x axis is the first key; the second key (if any) makes the series.

    With no key the metrics are bars side by side; with no second key each metric is a series.
    """
    if chart == "heatmap":
        return _heatmap(frame, keys, metrics[0], labels)
    x = keys[0] if keys else None
    traces = []
    if x is None:
        traces.append({"type": "bar", "x": [labels[m] for m in metrics], "y": [_value(frame, m) for m in metrics],
                       "marker": {"color": PALETTE[0]}})
    elif len(keys) > 1:
        traces = _series_traces(frame, x, keys[1], metrics[0], chart)
    else:
        traces = [_trace(chart, labels[m], _axis(frame[x]), frame[m], PALETTE[i % len(PALETTE)])
                  for i, m in enumerate(metrics)]
    layout = base_layout(barmode="stack" if chart == "stacked" else "group")
    if len(metrics) == 1 or len(keys) > 1:
        layout["yaxis"]["title"] = {"text": labels[metrics[0]]}
    return {"data": traces, "layout": layout}


def _series_traces(frame: pd.DataFrame, x: str, series: str, metric: str, chart: str) -> list[dict]:
    totals = frame.groupby(series)[metric].sum().sort_values(ascending=False)
    keep = list(totals.index[:MAX_SERIES])
    traces = []
    for i, name in enumerate(keep):
        group = frame[frame[series] == name]
        traces.append(_trace(chart, str(name), _axis(group[x]), group[metric], PALETTE[i % len(PALETTE)]))
    rest = frame[~frame[series].isin(keep)]
    if not rest.empty:
        folded = rest.groupby(x, as_index=False)[metric].sum()
        traces.append(_trace(chart, "other", _axis(folded[x]), folded[metric], "#94a3b8"))
    return traces


def _trace(chart: str, name: str, x: list, y: pd.Series, color: str) -> dict:
    values = [None if pd.isna(v) else v for v in y.tolist()]
    if chart in ("bar", "stacked"):
        return {"type": "bar", "name": name, "x": x, "y": values, "marker": {"color": color}}
    trace = {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": values, "line": {"color": color}}
    if chart == "area":
        trace["stackgroup"] = "one"
    return trace


def _heatmap(frame: pd.DataFrame, keys: list[str], metric: str, labels: dict[str, str]) -> dict:
    if len(keys) < 2:
        return {"data": [], "layout": base_layout(annotations=[{
            "text": "A heatmap needs two axes: choose a time grain and a dimension, or two dimensions.",
            "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}])}
    grid = frame.pivot_table(index=keys[1], columns=keys[0], values=metric, aggfunc="sum")
    z = [[None if pd.isna(v) else v for v in row] for row in grid.to_numpy().tolist()]
    return {
        "data": [{"type": "heatmap", "x": _axis(pd.Series(grid.columns)), "y": [str(v) for v in grid.index],
                  "z": z, "colorscale": "Blues", "colorbar": {"title": {"text": labels[metric]}}}],
        "layout": base_layout(hovermode="closest", margin={"l": 120, "r": 16, "t": 8, "b": 40}),
    }


def _axis(values: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").tolist()
    return ["(none)" if pd.isna(v) else str(v) for v in values.tolist()]


def _value(frame: pd.DataFrame, metric: str):
    value = frame[metric].iloc[0] if len(frame) else None
    return None if value is None or pd.isna(value) else value
