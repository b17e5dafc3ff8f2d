"""Every dashboard chart built from real query results: valid Plotly, small, aggregates only; and
a click on its first mark drills into rows that exist (as many as the mark counts, where it counts)."""

from __future__ import annotations

import datetime as dt
import json
import re

import plotly.io as pio
import pytest

from queries import Principal
from queries.grid import fetch_page
from tests.conftest import END_DATE

ADMIN = Principal("a", "admin", None)
MAX_FIGURE_BYTES = 150_000
# Charts whose marks are counts of the rows a click drills into: (page, chart) -> trace value key.
COUNTS = {("overview", "breakdown"): "x", ("interactions", "heatmap"): "z", ("interactions", "duration"): "y",
          ("interactions", "feedback"): "y", ("notes", "by-type"): "x", ("notes", "word-count"): "y"}


@pytest.fixture(scope="module")
def pages(demo_data, tmp_path_factory):
    """The page specs, imported inside the real app (dash.register_page needs one)."""
    mp = pytest.MonkeyPatch()
    work = tmp_path_factory.mktemp("pages-import")
    for key, value in {"DATA_DIR": str(demo_data), "CACHE_DIR": str(work / "cache"), "VAR_DIR": str(work)}.items():
        mp.setenv(key, value)
    from settings import get_settings

    get_settings.cache_clear()
    import app  # noqa: F401 - registers the pages
    from pages import adoption, interactions, models, notes, overview

    yield [overview.PAGE, interactions.PAGE, notes.PAGE, models.PAGE, adoption.PAGE]
    mp.undo()
    get_settings.cache_clear()


def _inputs(service, spec, chart):
    from components.view_state import from_query
    from pages._dashboard import ChartInput

    state, _ = from_query({"range": "12m"}, END_DATE)
    frames = {q.name: service.run(q.name, ADMIN, filters=q.filters(state.filters()), **dict(q.params))
              for q in chart.queries}
    options = {o.key: o.default for o in chart.options}
    if {"a", "b"} <= set(options):
        options.update(a="v2.4", b="v2.4.1")
    return ChartInput(frames, state, options), state


def _first_mark(trace: dict) -> dict:
    if trace["type"] == "heatmap":
        for j, row in enumerate(trace["z"]):
            for i, value in enumerate(row):
                if value:
                    return {"x": trace["x"][i], "y": trace["y"][j], "z": value, "curveNumber": 0}
    index = next(k for k, v in enumerate(trace["x"] if trace.get("orientation") == "h" else trace["y"]) if v)
    return {"x": trace["x"][index], "y": trace["y"][index], "curveNumber": 0}


def test_pgf001_every_chart_is_valid_small_and_drills_into_its_rows(pages, service):
    checked = 0
    for spec in pages:
        for chart in spec.charts:
            data, state = _inputs(service, spec, chart)
            built = chart.build(data)
            if chart.kind == "panel":
                json.dumps(built.to_plotly_json(), default=lambda o: o.to_plotly_json())
                continue
            text = json.dumps(built)
            assert len(text) <= MAX_FIGURE_BYTES, (spec.page, chart.key, len(text))
            pio.from_json(text)  # plotly accepts the plain dict
            assert built["data"], (spec.page, chart.key)
            if chart.drill is None:
                continue
            trace = built["data"][0]
            point = _first_mark(trace)
            drill = chart.drill(point, trace.get("name"), data)
            assert drill is not None, (spec.page, chart.key, point)
            _, count = fetch_page(service, ADMIN, state.filters(), drill, {"startRow": 0, "endRow": 1})
            assert count > 0, (spec.page, chart.key, drill)
            if (spec.page, chart.key) in COUNTS:
                assert count == point[COUNTS[(spec.page, chart.key)]], (spec.page, chart.key, drill)
            checked += 1
    assert checked >= 15


def test_pgf002_overview_insights_name_the_outage_and_the_rollouts(pages, service):
    overview = pages[0]
    data, _ = _inputs(service, overview, overview.chart("insights"))
    text = json.dumps(overview.chart("insights").build(data).to_plotly_json(),
                      default=lambda o: o.to_plotly_json())
    assert re.search(r"Failure rate rose to (2[5-9]|3[0-9])% on Aug 14 \(normally 3%\)", text)
    assert "p95 latency up" in text and "since model v2.4 rollout (Sep 23)" in text
    assert "p95 latency down" in text and "v2.4.1 rollout (Oct 7)" in text
    assert "Top mover:" in text


def test_pgf003_forecast_adds_a_band_after_the_last_day(pages, service):
    overview = pages[0]
    chart = overview.chart("trend")
    data, _ = _inputs(service, overview, chart)
    data.options["forecast"] = True
    figure = chart.build(data)
    names = [t["name"] for t in figure["data"]]
    assert "Forecast" in names and "Forecast interval" in names
    forecast = figure["data"][names.index("Forecast")]
    assert forecast["x"][0] == (END_DATE + dt.timedelta(days=1)).isoformat()
    assert 14 <= len(forecast["x"]) <= 30
    anomalies = figure["data"][names.index("Anomaly")]
    assert "2026-08-14" in anomalies["x"]
