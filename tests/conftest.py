"""Fixtures shared by the suite: a small demo dataset, a query service, and a running app.

The dataset is generated once per session with a fixed end date, at a small scale so that the
suite stays fast; its injected truths are the same as at full scale.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
END_DATE = dt.date(2026, 11, 22)
TEST_SCALE = 0.05
TEST_DAYS = 365


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from demo.generate import generate

    out = tmp_path_factory.mktemp("demo") / "data"
    generate(out, seed=7, scale=TEST_SCALE, end_date=END_DATE, days=TEST_DAYS)
    return out


@pytest.fixture(scope="session")
def dash_app(demo_data, tmp_path_factory):
    """The real app module, imported once per session over the test dataset (page modules such as
    pages.sql_lab can only be imported after it: register_page needs the app)."""
    mp = pytest.MonkeyPatch()
    work = tmp_path_factory.mktemp("app-import")
    mp.setenv("DATA_DIR", str(demo_data))
    mp.setenv("CACHE_DIR", str(work / "cache"))
    mp.setenv("VAR_DIR", str(work))
    from settings import get_settings

    get_settings.cache_clear()
    import app

    yield app.app
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture
def service(demo_data, tmp_path):
    """A QueryService over the test dataset with a fresh cache."""
    from queries.service import build_service
    from settings import Settings

    return build_service(Settings(data_dir=demo_data, cache_dir=tmp_path / "cache"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningApp:
    """`python app.py` in a subprocess, on a free port, with its own cache and environment."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "app.log"
        full_env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self._log_file = open(self.log, "w")  # noqa: SIM115 - open for the life of the process
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=full_env,
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited early:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code < 500:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"app did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log_file.close()


@pytest.fixture(scope="session")
def app_server(demo_data, tmp_path_factory):
    """The app with the demo users (see auth/demo.py): sign in with `login(...)` or `signed_in_session`."""
    work = tmp_path_factory.mktemp("app")
    app = RunningApp({"DATA_DIR": str(demo_data), "CACHE_DIR": str(work / "cache"), "VAR_DIR": str(work),
                      "DEMO_USERS": "true"}, work)
    yield app
    app.stop()


def login(page_or_session, role: str, base_url: str) -> None:
    """Sign in as the demo user of `role` ("viewer", "analyst", "admin") through the real /login form.

    A page is signed out of whatever session it had first, so tests can switch users on one page.

    `page_or_session` is a `requests.Session` or a Playwright page; either keeps the session cookie.
    """
    from auth.demo import DEMO_USERS

    password = DEMO_USERS[role][2]
    if isinstance(page_or_session, requests.Session):
        form = page_or_session.get(base_url + "/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        answer = page_or_session.post(base_url + "/login", allow_redirects=False, timeout=10, data={
            "username": role, "password": password, "csrf_token": token, "next": "/"})
        assert answer.status_code == 302, f"sign-in as {role} failed: {answer.status_code} {answer.text[:300]}"
        return
    page = page_or_session
    # Leave the current page first, so none of its requests still in flight can answer after the
    # cookies are cleared and put the previous user's session back.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(base_url + "/login")
    for attempt in (1, 2):
        page.fill("#username", role)
        page.fill("#password", password)
        page.click("button[type=submit]")
        try:
            page.wait_for_url(lambda url: "/login" not in url, timeout=15_000)
            return
        except Exception as exc:
            error = page.locator(".alert").all_inner_texts()
            # Switching users by clearing the cookies of a live page has, rarely, left the form's
            # CSRF token out of step with the cookie (cause not found; see the closing note). The
            # form then says so and carries a fresh token: sign in again, as a user would, once.
            if attempt == 2 or not any("form expired" in e for e in error):
                raise AssertionError(f"sign-in as {role} failed; the form says {error}") from exc


@pytest.fixture
def signed_in_session(app_server):
    """`signed_in_session("viewer")` -> a requests.Session signed in to `app_server` (default admin)."""
    sessions = []

    def make(role: str = "admin") -> requests.Session:
        session = requests.Session()
        login(session, role, app_server.url)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


# --- the browser: one headless Debian Chromium for the whole session ---------------------------
# (Playwright's sync API allows one instance per process, so every browser test shares this one.)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) or "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()
