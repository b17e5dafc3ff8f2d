"""Fixtures of the security suite: physically filtered copies of the tables, a private app for
tests that must not disturb the shared one (throttling, disabled users), and a browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from queries import Principal
from tests.conftest import RunningApp
from tests.security.helpers import CHROMIUM_ARGS, FilteredCopies


@pytest.fixture(scope="session")
def copies(demo_data) -> Iterator:
    """`copies(principal)` -> FilteredCopies for that principal's tenants (built once each)."""
    built: dict[Principal, FilteredCopies] = {}

    def get(principal: Principal) -> FilteredCopies:
        if principal not in built:
            built[principal] = FilteredCopies(demo_data, principal)
        return built[principal]

    yield get
    for copy in built.values():
        copy.con.close()


@pytest.fixture(scope="module")
def private_app(demo_data, tmp_path_factory) -> Iterator[RunningApp]:
    """An app of its own (users file, database, throttle counts) with low limits; it trusts one proxy
    hop, so a test can stand for another client address with X-Forwarded-For."""
    work = tmp_path_factory.mktemp("private-app")
    app = RunningApp({"DATA_DIR": str(demo_data), "CACHE_DIR": str(work / "cache"), "VAR_DIR": str(work),
                      "DEMO_USERS": "true", "LOGIN_MAX_FAILURES_USER": "3", "LOGIN_MAX_FAILURES_IP": "8",
                      "AUDIT_LOG_FILE": str(work / "audit.jsonl"),
                      "TRUSTED_PROXY_HOPS": "1"}, work)
    app.work = work
    yield app
    app.stop()


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
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()

