"""Dashboard pages over HTTP, as the browser calls them: every page's load-time callbacks answer
without a traceback, exports are role-gated on the server, and a viewer sees only their tenants."""

from __future__ import annotations

import base64
import json

import pytest

from tests.dash_payload import initial_callbacks

PAGES = ("overview", "interactions", "notes", "models", "adoption")

def _dependencies(session, app_server) -> list[dict]:
    return session.get(app_server.url + "/_dash-dependencies", timeout=10).json()

def _post(session, app_server, payload: dict) -> dict:
    response = session.post(app_server.url + "/_dash-update-component", json=payload, timeout=60)
    assert response.status_code in (200, 204), response.text[:300]
    assert "Traceback" not in response.text
    return response.json() if response.status_code == 200 else {}

def _export_payload(deps: list[dict], page: str, target: str, fmt: str, controls: dict | None = None) -> dict:
    """The export callback's request after a click on one export menu item."""
    dep = next(d for d in deps if d["output"] == f"..{page}-download.data...{page}-export-message.children..")
    clicked = {"format": fmt, "page": page, "target": target, "type": "export"}
    controls = controls or {}
    return {
        "output": dep["output"],
        "outputs": [{"id": f"{page}-download", "property": "data"},
                    {"id": f"{page}-export-message", "property": "children"}],
        "inputs": [[{"id": clicked, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [json.dumps(clicked, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
        "state": [{"id": s["id"], "property": s["property"], "value": controls.get(s["id"])} for s in dep["state"]],
    }

@pytest.mark.parametrize("page", PAGES)
def test_pgh001_every_load_time_callback_answers(signed_in_session, app_server, page):
    session = signed_in_session("analyst")
    payloads = initial_callbacks(_dependencies(session, app_server), page + "-")
    assert len(payloads) >= 4
    for payload in payloads:
        body = _post(session, app_server, payload)
        assert "response" in body
        for props in body["response"].values():
            if "figure" in props:
                assert len(json.dumps(props["figure"])) <= 150_000

def test_pgh002_analyst_exports_a_chart_as_csv(signed_in_session, app_server):
    session = signed_in_session("analyst")
    body = _post(session, app_server, _export_payload(_dependencies(session, app_server), "overview", "breakdown", "csv"))
    download = body["response"]["overview-download"]["data"]
    assert download["filename"].startswith("overview-interactions-by-type-and-channel") and \
        download["filename"].endswith(".csv")

    text = base64.b64decode(download["content"]).decode() if download.get("base64") else download["content"]
    assert text.splitlines()[0] == "interaction_type,channel,interactions,failure_rate,p50_latency_ms"

def test_pgh003_viewer_may_not_export(signed_in_session, app_server):
    session = signed_in_session("viewer")
    body = _post(session, app_server, _export_payload(_dependencies(session, app_server), "overview", "breakdown", "csv"))
    assert "overview-download" not in body["response"]
    assert "analysts and admins" in json.dumps(body["response"]["overview-export-message"])

def test_pgh004_viewer_sees_only_their_tenants(signed_in_session, app_server):
    session = signed_in_session("viewer")  # the demo viewer belongs to t01 only
    payloads = initial_callbacks(_dependencies(session, app_server), "adoption-tenants")
    body = _post(session, app_server, payloads[0])
    figure = body["response"]["adoption-tenants"]["figure"]
    assert figure["data"][0]["y"] == ["Northwind Health System"]


def test_pgh010_theme_saves_per_user_and_refuses_anything_else(signed_in_session, app_server):
    """The toggle's save callback stores the signed-in user's choice only, and only a real theme."""
    def save(session, theme):
        return session.post(app_server.url + "/_dash-update-component", timeout=10, json={
            "output": "theme-saved.data", "outputs": {"id": "theme-saved", "property": "data"},
            "inputs": [{"id": "theme", "property": "data", "value": theme}],
            "state": [{"id": "theme-saved", "property": "data", "value": None}],
            "changedPropIds": ["theme.data"]})

    viewer, analyst = signed_in_session("viewer"), signed_in_session("analyst")
    assert save(viewer, "dark").status_code == 200
    refused = save(viewer, "<script>")
    assert refused.status_code == 400 and "unknown theme" in refused.text  # and nothing stored
    assert '<html data-bs-theme="dark">' in viewer.get(app_server.url + "/", timeout=10).text
    assert "data-bs-theme" not in analyst.get(app_server.url + "/", timeout=10).text.split("<head>")[0]
    assert save(viewer, "light").status_code == 200
