"""Fixtures of the security suite: physically filtered copies of the tables, a private app for
tests that must not disturb the shared one (throttling, disabled users), and a browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from queries import Principal
from tests.conftest import RunningApp
from tests.security.helpers import FilteredCopies


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
