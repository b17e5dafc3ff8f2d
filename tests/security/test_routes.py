"""Every route class over real HTTP: anonymous -> 302/401, wrong role -> 403, right role -> 200,
including hand-built callback requests that carry a real payload."""

from __future__ import annotations

import re

import pytest
import requests

from store import AuditLog, Database
from tests.dash_payload import initial_callbacks

UPDATE = "/_dash-update-component"


@pytest.fixture(scope="module")
def dependencies(app_server) -> list[dict]:
    from tests.conftest import login

    with requests.Session() as admin:
        login(admin, "admin", app_server.url)
        return admin.get(app_server.url + "/_dash-dependencies", timeout=10).json()


def callback(dependencies: list[dict], prefix: str, output: str) -> dict:
    """The payload of the page-load callback whose outputs include `output`, as Dash would post it."""
    payloads = [p for p in initial_callbacks(dependencies, prefix) if output in p["output"]]
    assert payloads, f"no callback with output {output}"
    return payloads[0]


def router(dependencies: list[dict], pathname: str) -> dict:
    """The request Dash's page router sends when the browser goes to `pathname`."""
    dep = next(d for d in dependencies if "_pages_content.children" in d["output"])
    values = {"pathname": pathname, "search": ""}
    return {
        "output": dep["output"],
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": i["id"], "property": i["property"], "value": values.get(i["property"])}
                   for i in dep["inputs"]],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [{"id": s["id"], "property": s["property"], "value": None} for s in dep["state"]],
    }


def test_sec040_open_routes_answer_anonymous_requests(app_server, signed_in_session):
    index = signed_in_session("admin").get(app_server.url + "/", timeout=10).text
    bundle = re.search(r'src="(/_dash-component-suites/[^"]+\.js)"', index).group(1)
    for path in ("/login", "/health", "/assets/style.css", "/assets/vendor/bootstrap.min.css", "/_favicon.ico",
                 bundle):
        assert requests.get(app_server.url + path, timeout=10, allow_redirects=False).status_code == 200, path
    # The browser's default icon request goes to Dash's icon, never through /login: that render would
    # hand out a new session and CSRF token while the sign-in form on screen carries the old one.
    login_page = requests.get(app_server.url + "/login", timeout=10).text
    assert '<link rel="icon" href="/_favicon.ico">' in login_page
    icon = requests.get(app_server.url + "/favicon.ico", timeout=10, allow_redirects=False)
    assert (icon.status_code, icon.headers["Location"], icon.headers.get("Set-Cookie")) == (301, "/_favicon.ico", None)


@pytest.mark.parametrize("path", ["/", "/audit?event=sign_in", "/tenants", "/no-such-page", "/static/x.js"])
def test_sec041_anonymous_pages_redirect_to_login_with_next(app_server, path):
    answer = requests.get(app_server.url + path, timeout=10, allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=" + requests.utils.quote(path, safe="")


def test_sec042_anonymous_dash_api_answers_401(app_server, dependencies):
    for path in ("/_dash-layout", "/_dash-dependencies"):
        answer = requests.get(app_server.url + path, timeout=10, allow_redirects=False)
        assert (answer.status_code, answer.json()) == (401, {"error": "sign in required"}), path
    payload = callback(dependencies, "overview-", "overview-kpis")
    answer = requests.post(app_server.url + UPDATE, json=payload, timeout=10, allow_redirects=False)
    assert answer.status_code == 401
    answer = requests.post(app_server.url + UPDATE, json=router(dependencies, "/"), timeout=10)
    assert answer.status_code == 401


@pytest.mark.parametrize(("role", "path", "status"), [
    ("viewer", "/", 200), ("viewer", "/tenants", 200), ("viewer", "/audit", 403),
    ("analyst", "/", 200), ("analyst", "/audit", 403),
    ("admin", "/", 200), ("admin", "/audit", 200), ("admin", "/no-such-page", 200),
])
def test_sec043_pages_by_role(app_server, signed_in_session, role, path, status):
    answer = signed_in_session(role).get(app_server.url + path, timeout=10, allow_redirects=False)
    assert answer.status_code == status
    if status == 403:
        assert "You do not have access" in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
def test_sec044_dash_layout_and_dependencies_for_every_role(app_server, signed_in_session, role):
    session = signed_in_session(role)
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert session.get(app_server.url + path, timeout=10).status_code == 200


def test_sec045_a_dashboard_callback_answers_every_role(app_server, signed_in_session, dependencies):
    payload = callback(dependencies, "overview-", "overview-kpis")
    for role in ("viewer", "analyst", "admin"):
        answer = signed_in_session(role).post(app_server.url + UPDATE, json=payload, timeout=60)
        assert answer.status_code == 200, (role, answer.text[:300])
        assert "overview-kpis" in answer.json()["response"]


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("analyst", 403), ("admin", 200)])
def test_sec046_an_admin_callback_refuses_other_roles_even_by_hand(app_server, signed_in_session, dependencies,
                                                                   role, status):
    payload = callback(dependencies, "audit-", "audit-grid.rowData")
    answer = signed_in_session(role).post(app_server.url + UPDATE, json=payload, timeout=30)
    assert answer.status_code == status
    if status == 200:
        rows = answer.json()["response"]["audit-grid"]["rowData"]
        assert rows and {"at", "event", "user_id", "outcome", "detail"} <= set(rows[0])
    else:
        assert answer.json() == {"error": "you do not have access to this"}


@pytest.mark.parametrize(("role", "path", "status"), [
    ("viewer", "/", 200), ("viewer", "/audit", 403), ("analyst", "/audit", 403), ("admin", "/audit", 200),
])
def test_sec047_the_page_router_cannot_render_a_forbidden_page(app_server, signed_in_session, dependencies,
                                                               role, path, status):
    answer = signed_in_session(role).post(app_server.url + UPDATE, json=router(dependencies, path), timeout=30)
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["response"]["_pages_content"]["children"]


def test_sec048_page_views_and_refusals_are_audited(app_server, signed_in_session, dependencies):
    session = signed_in_session("analyst")
    session.post(app_server.url + UPDATE, json=router(dependencies, "/tenants"), timeout=30)
    session.post(app_server.url + UPDATE, json=router(dependencies, "/audit"), timeout=30)
    events = AuditLog(Database(app_server.log.parent / "app.db")).search(users=("analyst",), limit=20)
    kinds = [(e.event, e.outcome, e.detail.get("path")) for e in events]
    assert ("page_view", "ok", "/tenants") in kinds
    assert ("access_denied", "denied", "/audit") in kinds
    assert ("sign_in", "ok", None) in kinds


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"inputs": []}', b'{"output": "no-such.children"}',
                                  b'{"output": "audit-users.options", "inputs": []}',
                                  b'{"output": "audit-users.options", "inputs": {"id": 1}}',
                                  b'{"output": "..\\u005fpages_content.children...\\u005fpages_store.data..", '
                                  b'"inputs": [{"id": "_pages_location", "property": "pathname", "value": 7}]}'])
def test_sec049_malformed_callback_requests_get_400(app_server, signed_in_session, body):
    answer = signed_in_session("viewer").post(app_server.url + UPDATE, data=body, timeout=10,
                                              headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "error" in answer.json() and "Traceback" not in answer.text


def test_sec050_a_cross_origin_post_is_refused(app_server, signed_in_session, dependencies):
    payload = callback(dependencies, "overview-", "overview-kpis")
    answer = signed_in_session("admin").post(app_server.url + UPDATE, json=payload, timeout=10,
                                             headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403


def test_sec051_flask_routes_without_a_declared_permission_are_admin_only(app_server, signed_in_session):
    assert signed_in_session("viewer").get(app_server.url + "/static/x.js", timeout=10).status_code == 403
    assert signed_in_session("admin").get(app_server.url + "/static/x.js", timeout=10).status_code == 404


def test_sec052_security_headers_and_cookie_flags(app_server):
    session = requests.Session()
    form = session.get(app_server.url + "/login", timeout=10)
    csp = form.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert "'sha256-" in directives["script-src"]  # Dash's own inline scripts, by hash
    assert form.headers["X-Content-Type-Options"] == "nosniff"
    assert form.headers["Referrer-Policy"] == "same-origin"
    assert form.headers["Cache-Control"] == "no-store"
    cookie = form.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # development
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    signed_in = session.post(app_server.url + "/login", allow_redirects=False, timeout=10,
                             data={"username": "viewer", "password": "demo-viewer", "csrf_token": token})
    assert signed_in.status_code == 302
    assert "Expires=" in signed_in.headers["Set-Cookie"]  # the configured lifetime


def test_sec053_every_query_is_audited_with_its_user_and_cost(app_server, signed_in_session, dependencies):
    payload = callback(dependencies, "overview-", "overview-kpis")
    session = signed_in_session("viewer")
    for _ in range(2):  # the second time from the cache
        assert session.post(app_server.url + UPDATE, json=payload, timeout=60).status_code == 200
    queries = AuditLog(Database(app_server.log.parent / "app.db")).search(events=("query",), users=("viewer",))
    assert queries and all(e.tenants == "t01" and e.role == "viewer" for e in queries)
    detail = queries[0].detail
    assert {"source", "name", "sql_hash", "duration_ms", "rows", "cache_hit"} <= set(detail)
    assert any(e.detail["cache_hit"] for e in queries)


def test_sec054_may_open_follows_the_page_permission():
    from auth import may_open

    # Outside a request nobody is signed in: the anonymous principal is a viewer of no tenant.
    assert may_open({"module": "pages.interactions", "permission": "dashboards"})
    assert may_open({"module": "pages.tenants"})  # listed in auth.access.PAGE_PERMISSIONS
    assert not may_open({"module": "pages.audit", "permission": "audit_log"})
    assert not may_open({"module": "pages.undeclared"})  # deny by default
