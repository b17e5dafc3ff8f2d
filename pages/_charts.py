"""Chart builders and drill-downs shared by the dashboard pages (frames in, figures out)."""

from __future__ import annotations

import pandas as pd

from components import figures
from pages._dashboard import ChartInput
from queries.grid import Drill


def day_of(point: dict) -> str | None:
    """The ISO day of a clicked point on a time axis."""
    x = point.get("x")
    return str(x)[:10] if isinstance(x, str) and len(x) >= 10 else None


def day_drill(table: str, point: dict, label: str = "", extra: tuple = ()) -> Drill | None:
    day = day_of(point)
    if day is None:
        return None
    title = f"{label} on {day}".strip() if label else day
    return Drill(table, title, (("dt_range", day, day), *extra))


def period_drill(table: str, first: pd.Timestamp, last: pd.Timestamp, title: str, extra: tuple = ()) -> Drill:
    return Drill(table, title, (("dt_range", first.date().isoformat(), last.date().isoformat()), *extra))


def octave_label(bucket: int) -> str:
    """'64–128' for bucket 6: the range 2^b .. 2^(b+1) (the unit is the axis title)."""
    low, high = bucket_edges(bucket)
    return f"{low:g}–{high:g}"


_UNITS = {"s": "seconds", "min": "minutes", "words": "words"}


def bucket_edges(bucket: int) -> tuple[int, int]:
    return 2 ** bucket, 2 ** (bucket + 1)


def histogram(frame: pd.DataFrame, *, value: str, series: str, unit: str) -> dict:
    """Stacked bars per octave bucket (the SQL's floor(log2(value))), labelled in the unit."""
    labelled = frame.assign(label=frame["bucket"].map(lambda b: octave_label(int(b))))
    order = [octave_label(int(b)) for b in sorted(frame["bucket"].unique())]
    figure = figures.grouped_bars_figure(labelled, category="label", series=series, value=value,
                                         categories=order)
    figure["layout"]["barmode"] = "stack"
    figure["layout"]["xaxis"] = {"type": "category", "automargin": True, "title": {"text": _UNITS[unit]}}
    figure["layout"]["legend"] = {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}
    figure["layout"]["margin"] = {"l": 48, "r": 16, "t": 24, "b": 40}
    return figure


def bucket_drill(table: str, column: str, unit: str, extra_series: str | None = None):
    """A drill for `histogram`: the clicked bucket's range (and the clicked series' value)."""
    def drill(point: dict, trace: str | None, data: ChartInput) -> Drill | None:
        frame = data.frame()
        labels = {octave_label(int(b)): int(b) for b in frame["bucket"].unique()}
        bucket = labels.get(point.get("x"))
        if bucket is None:
            return None
        low, high = bucket_edges(bucket)
        if bucket == 0:
            low = None  # values below 1 were counted in the first bucket
        where = [("range", column, low, high)]
        if extra_series and trace:
            where.append(("eq", extra_series, trace))
        title = f"{column.replace('_', ' ')} {point.get('x')}" + (f", {trace}" if trace else "")
        return Drill(table, title, tuple(where))
    return drill
