"""Background callbacks have no Flask request: the identity is passed in and checked again."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
import requests

from auth import PermissionDenied, principal_for, roles
from tests.conftest import ROOT, free_port, login
from tests.security.helpers import users_cli

UPDATE = "/_dash-update-component"


@pytest.fixture(scope="module")
def background_app(demo_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("background-app")
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(demo_data), "VAR_DIR": str(work), "CACHE_DIR": str(work / "cache"),
           "PORT": str(port), "DEMO_USERS": "true"}
    with open(work / "app.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tests.security.background_app"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                requests.get(url + "/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url, work
        proc.terminate()
        proc.wait(10)


def _body(delay: float = 0) -> dict:
    return {"output": "who.children", "outputs": {"id": "who", "property": "children"},
            "inputs": [{"id": "go", "property": "n_clicks", "value": 1}],
            "state": [{"id": "delay", "property": "value", "value": delay}], "changedPropIds": ["go.n_clicks"]}


def login_as(session: requests.Session, url: str, username: str, password: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url + "/login", timeout=10).text).group(1)
    answer = session.post(url + "/login", data={"username": username, "password": password, "csrf_token": token},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 302


def run_background(session: requests.Session, url: str) -> str:
    """Start the callback as Dash's renderer does, then poll its signed job handles for the result."""
    body = _body()
    started = session.post(url + UPDATE, json=body, timeout=10)
    assert started.status_code == 200, started.text[:300]
    handles = started.json()
    deadline = time.time() + 30
    while time.time() < deadline:
        polled = session.post(url + UPDATE, json=body, timeout=10,
                              params={"cacheKey": handles["cacheKey"], "job": handles["job"]})
        if polled.status_code == 200 and "response" in polled.json():
            return polled.json()["response"]["who"]["children"]
        time.sleep(0.2)
    raise AssertionError("the background job did not finish")


def test_sec110_the_job_runs_as_the_user_who_started_it(background_app):
    url, _ = background_app
    for role, expected in (("viewer", "viewer|t01"), ("analyst", "analyst|t01,t02"), ("admin", "admin|*")):
        with requests.Session() as session:
            login(session, role, url)
            assert run_background(session, url) == expected


def test_sec111_anonymous_requests_cannot_start_a_job(background_app):
    url, _ = background_app
    assert requests.post(url + UPDATE, json=_body(), timeout=10).status_code == 401


def test_sec112_a_user_disabled_while_the_job_runs_is_refused_inside_it(background_app):
    url, work = background_app
    assert users_cli(work, "add", "jo", "--role", "viewer", "--tenant", "t05", password="jo-password-12").returncode == 0
    answer = work / "who.txt"
    answer.unlink(missing_ok=True)
    with requests.Session() as session:
        login_as(session, url, "jo", "jo-password-12")
        started = session.post(url + UPDATE, json=_body(delay=3), timeout=10)
        assert started.status_code == 200
        assert "ended 1 session(s)" in users_cli(work, "disable", "jo").stdout
        handles = started.json()
        polled = session.post(url + UPDATE, json=_body(delay=3), timeout=10,
                              params={"cacheKey": handles["cacheKey"], "job": handles["job"]})
        assert polled.status_code == 401  # the guard already stops the user's own requests
    deadline = time.time() + 30
    while not answer.exists() and time.time() < deadline:
        time.sleep(0.2)
    assert answer.read_text() == "refused: user 'jo' is unknown or disabled"  # and the job checks again


def test_sec113_principal_for_reloads_and_rechecks(tmp_path, monkeypatch):
    from settings import get_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        users_cli(tmp_path, "add", "kim", "--role", "analyst", "--tenant", "t07", password="kim-password-12")
        assert principal_for("kim").tenants == frozenset({"t07"})
        assert principal_for("kim", permission=roles.EXPORT).role == "analyst"
        with pytest.raises(PermissionDenied, match="may not use audit_log"):
            principal_for("kim", permission=roles.AUDIT_LOG)
        with pytest.raises(PermissionDenied, match="unknown or disabled"):
            principal_for("nobody")
    finally:
        get_settings.cache_clear()
