"""Explore's view (metrics, dimensions, grain, chart) and its round trip through the URL.

From a link, unknown names are dropped with a message (a link should still open); from a callback
request they are refused with QueryRejected, which the page answers with a 400.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.explore_chart import CHART_TYPES
from queries import QueryRejected
from queries.catalog import DIMENSIONS, METRICS, TIME_GRAINS
from queries.explore import MAX_DIMENSIONS, ExploreSpec

DEFAULT_METRICS = ("interactions",)
DEFAULT_CHART = "line"


@dataclass(frozen=True)
class ExploreView:
    spec: ExploreSpec
    chart: str

    def query_pairs(self) -> list[tuple[str, str]]:
        pairs = [("metric", m) for m in self.spec.metrics] + [("dim", d) for d in self.spec.dimensions]
        if self.spec.grain:
            pairs.append(("grain", self.spec.grain))
        if self.chart != DEFAULT_CHART:
            pairs.append(("chart", self.chart))
        return pairs


def view_from_values(metrics, dimensions, grain, chart) -> ExploreView:
    """Validate control values; anything not in the catalog raises QueryRejected (a 400)."""
    metrics = tuple(as_list(metrics))
    dimensions = tuple(as_list(dimensions))
    grain = grain or None
    chart = chart or DEFAULT_CHART
    if chart not in CHART_TYPES:
        raise QueryRejected(f"unknown chart type {str(chart)[:40]!r}; use one of {', '.join(CHART_TYPES)}")
    spec = ExploreSpec(metrics, dimensions, grain)
    spec.validate()
    return ExploreView(spec, chart)


def view_from_query(query: dict) -> tuple[ExploreView, list[str]]:
    """The view a URL asks for. Unknown names are dropped with a message (a link should still open)."""
    messages = []
    metrics = [m for m in as_list(query.get("metric")) if m in METRICS]
    dimensions = [d for d in as_list(query.get("dim")) if d in DIMENSIONS][:MAX_DIMENSIONS]
    grain = query.get("grain") if query.get("grain") in TIME_GRAINS else None
    chart = query.get("chart") if query.get("chart") in CHART_TYPES else DEFAULT_CHART
    dropped = [v for k in ("metric", "dim") for v in as_list(query.get(k)) if v not in METRICS and v not in DIMENSIONS]
    dropped += [query[k] for k in ("grain", "chart") if query.get(k) and query[k] not in (grain, chart)]
    if dropped:
        messages.append("Ignored unknown names in the link: " + ", ".join(repr(str(d)[:40]) for d in dropped[:5]))
    return ExploreView(ExploreSpec(tuple(metrics) or DEFAULT_METRICS, tuple(dict.fromkeys(dimensions)), grain),
                       chart), messages


def as_list(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
