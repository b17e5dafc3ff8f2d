"""A query that takes more than a moment: the page shows its progress and a Cancel button, Cancel
stops the engine query, the page recovers, and leaving the page mid-query breaks nothing.

The slow query is `debug_slow` (a cross join of generated rows), which the Overview's first chart
runs when DASHBOARD_DEBUG_SLOW_ROWS is set: slow by construction on the real engine.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import wait_for_chart
from tests.conftest import RunningApp, login

SLOW_ROWS = 3000  # 3000^3 rows: minutes of work on two cores, so only Cancel can end it
INTERACTION_GRAPHS = ("interactions-volume", "interactions-heatmap", "interactions-duration")


@pytest.fixture(scope="module")
def slow_app(demo_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("slow-app")
    app = RunningApp({"DATA_DIR": str(demo_data), "CACHE_DIR": str(work / "cache"), "VAR_DIR": str(work),
                      "DEMO_USERS": "true", "DASHBOARD_DEBUG_SLOW_ROWS": str(SLOW_ROWS)}, work)
    yield app
    app.stop()


def test_pgl001_cancel_stops_a_slow_query_and_the_page_recovers(page, slow_app):
    login(page, "analyst", slow_app.url)
    page.goto(slow_app.url + "/interactions")  # its results are cached before the engine gets busy
    for graph in INTERACTION_GRAPHS:
        wait_for_chart(page, graph)

    page.click("a.nav-link[href='/']")
    page.wait_for_selector(".jobs-bar-open", timeout=30_000)
    page.wait_for_function("() => document.querySelector('#jobs-progress-text').textContent.includes('debug slow')")
    assert "query id" in page.inner_text("#jobs-progress-text")
    wait_for_chart(page, "overview-breakdown")  # the other charts do not wait for the slow one

    # Leave mid-query: the other page draws, the progress bar (in the shell) stays.
    page.click("a.nav-link[href='/interactions']")
    for graph in INTERACTION_GRAPHS:
        wait_for_chart(page, graph)
    assert page.locator(".jobs-bar-open").count() == 1

    page.click("#jobs-cancel")
    page.wait_for_selector(".jobs-bar-open", state="detached", timeout=30_000)
    for graph in INTERACTION_GRAPHS:
        wait_for_chart(page, graph)

    # Back on the Overview, the cancelled chart says so, with the query id and a Retry.
    page.click("a.nav-link[href='/']")
    page.wait_for_selector("#overview-trend-message .state-error", timeout=30_000)
    message = page.inner_text("#overview-trend-message")
    assert "cancelled" in message and "Query id:" in message and "Retry" in message
    wait_for_chart(page, "overview-breakdown")
    assert "Traceback" not in page.inner_text("body")
    with open(slow_app.log) as log:
        assert "query debug_slow user=analyst" in log.read()
