"""The app as a whole: every page layout builds with no arguments, and the server's routes."""

from __future__ import annotations

import json

import plotly.utils
import requests

from tests.dash_payload import initial_callbacks


def test_app001_every_page_layout_builds_with_no_arguments_and_serialises(dash_app):
    import dash

    assert dash.page_registry, "no pages registered"
    with dash_app.server.test_request_context("/"):
        for page in dash.page_registry.values():
            layout = page["layout"]() if callable(page["layout"]) else page["layout"]
            text = json.dumps(layout, cls=plotly.utils.PlotlyJSONEncoder)
            assert len(text) > 100, page["module"]


def test_app002_layout_survives_malformed_query_strings(dash_app):
    from pages import overview

    with dash_app.server.test_request_context("/"):
        for query in ({"range": ["a", "b"]}, {"range": "custom", "start": "2026-02-30"}, {"channel": ["", None]},
                      {"tenant": "x" * 500}, {"unknown": "1"}):
            json.dumps(overview.layout(**query), cls=plotly.utils.PlotlyJSONEncoder)


def test_app003_health_reports_engine_and_data_version(app_server):
    body = requests.get(app_server.url + "/health", timeout=5).json()
    assert body["status"] == "ok" and body["engine"] == "duckdb" and body["data_version"]


def _trend_payload(session, app_server, values: dict | None = None) -> dict:
    """The Overview trend callback's request, built from /_dash-dependencies (the page's inputs
    grow with its features); `values` sets inputs by "<id>.<property>"."""
    deps = session.get(app_server.url + "/_dash-dependencies", timeout=10).json()
    payload = initial_callbacks(deps, "overview-trend")[0]
    for item in payload["inputs"]:
        item["value"] = (values or {}).get(f"{item['id']}.{item['property']}", item["value"])
    return payload


def test_app004_callback_over_http_returns_a_compressed_figure(app_server, signed_in_session):
    session = signed_in_session()
    payload = _trend_payload(session, app_server)
    response = session.post(app_server.url + "/_dash-update-component", json=payload,
                             headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == "gzip"
    figure = response.json()["response"]["overview-trend"]["figure"]
    assert len(figure["data"][0]["x"]) == 30 and sum(figure["data"][0]["y"]) > 0


def test_app005_bad_callback_input_is_a_message_not_a_traceback(app_server, signed_in_session):
    session = signed_in_session()
    payload = _trend_payload(session, app_server, {"overview-range.value": "custom",
                                                   "overview-dates.start_date": "not-a-date",
                                                   "overview-dates.end_date": "2026-01-01"})
    response = session.post(app_server.url + "/_dash-update-component", json=payload, timeout=30)
    assert response.status_code == 200
    assert "Traceback" not in response.text
    figure = response.json()["response"]["overview-trend"]["figure"]
    assert len(figure["data"][0]["x"]) == 30  # fell back to the default range
