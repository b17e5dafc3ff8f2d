"""Explore: URL state, validation (400 for crafted requests), role gate, and results over HTTP."""

from __future__ import annotations

import pytest
import requests

from components.explore_view import view_from_query, view_from_values
from queries import QueryRejected
from tests.conftest import login
from tests.dash_payload import callback_payload


def test_exp001_link_with_unknown_names_opens_with_a_message():
    view, messages = view_from_query({"metric": ["interactions", "revenue"], "dim": "colour", "grain": "hour"})
    assert view.spec.metrics == ("interactions",) and view.spec.dimensions == () and view.spec.grain is None
    assert "revenue" in messages[0] and "colour" in messages[0] and "hour" in messages[0]


def test_exp002_round_trip_of_the_view():
    view = view_from_values(["failure_rate", "interactions"], ["channel"], "week", "stacked")
    query = {}
    for key, value in view.query_pairs():
        query.setdefault(key, []).append(value)
    again, messages = view_from_query({k: v if len(v) > 1 else v[0] for k, v in query.items()})
    assert again == view and messages == []


def test_exp003_crafted_values_are_refused():
    with pytest.raises(QueryRejected, match="unknown metric or dimension: revenue"):
        view_from_values(["revenue"], [], None, "line")
    with pytest.raises(QueryRejected, match="unknown chart type"):
        view_from_values(["interactions"], [], None, "pie<script>")


def _explore_payload(metrics, dims=(), grain=None, chart="line") -> dict:
    outputs = [("explore-graph", "figure"), ("explore-grid", "rowData"), ("explore-grid", "columnDefs"),
               ("explore-sql", "children"), ("explore-message", "children"), ("explore-url", "data")]
    controls = [("explore-range", "value", "30d"), ("explore-dates", "start_date", None),
                ("explore-dates", "end_date", None), ("explore-channel", "value", []),
                ("explore-tenant", "value", []), ("explore-compare", "value", None),
                ("explore-type", "value", []), ("explore-specialty", "value", []), ("explore-model", "value", [])]
    inputs = [("explore-metrics", "value", list(metrics)), ("explore-dims", "value", list(dims)),
              ("explore-grain", "value", grain), ("explore-chart", "value", chart)] + controls
    return callback_payload(outputs, inputs)


@pytest.fixture(scope="module")
def analyst(app_server):
    session = requests.Session()
    login(session, "analyst", app_server.url)
    return session


def test_exp004_runs_scoped_to_the_analysts_tenants(app_server, analyst):
    payload = _explore_payload(["interactions"], ["tenant"])
    response = analyst.post(app_server.url + "/_dash-update-component", json=payload, timeout=60)
    assert response.status_code == 200, response.text[:300]
    body = response.json()["response"]
    rows = body["explore-grid"]["rowData"]
    assert {r["tenant"] for r in rows} == {"t01", "t02"}  # the analyst's tenants, nobody else's
    assert all(r["interactions"] > 0 for r in rows)
    assert "GROUP BY" in body["explore-sql"]["children"]
    assert body["explore-url"]["data"].startswith("?metric=interactions&dim=tenant")


def test_exp005_crafted_request_gets_400_with_a_clear_message(app_server, analyst):
    payload = _explore_payload(["interactions", "revenue"])
    response = analyst.post(app_server.url + "/_dash-update-component", json=payload, timeout=30)
    assert response.status_code == 400
    assert "unknown metric or dimension: revenue" in response.text
    assert "Traceback" not in response.text


def test_exp006_viewers_may_not_explore(app_server):
    viewer = requests.Session()
    login(viewer, "viewer", app_server.url)
    response = viewer.post(app_server.url + "/_dash-update-component", json=_explore_payload(["interactions"]),
                           timeout=30)
    assert response.status_code == 403
