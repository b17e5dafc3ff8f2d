"""Explore and saved queries in Chromium: save a view, reopen it, save a version, diff, restore."""

from __future__ import annotations

from tests.browser.helpers import wait_for_chart
from tests.conftest import login


def _save(page, name: str | None = None) -> str:
    page.click("#explore-save-open")
    if name is not None:
        page.fill("#explore-save-name", name)
    page.click("#explore-save")
    page.wait_for_selector("#explore-save-result .alert-success")
    text = page.inner_text("#explore-save-result")
    page.keyboard.press("Escape")
    return text


def test_exs001_save_reopen_version_diff_restore(page, app_server):
    login(page, "analyst", app_server.url)
    page.goto(app_server.url + "/explore?metric=interactions&dim=channel")
    wait_for_chart(page, "explore-graph")
    assert page.locator("#explore-grid .ag-row").count() == 3  # web, mobile, ehr_plugin
    assert "version 1" in _save(page, "Mix by channel (exs001)")

    page.goto(app_server.url + "/saved")
    page.locator(".ag-row", has_text="Mix by channel (exs001)").click()
    page.wait_for_function("() => document.getElementById('saved-title').textContent.includes('exs001')")
    page.click("#saved-open")
    page.wait_for_url("**/explore?*saved=*")
    wait_for_chart(page, "explore-graph")
    page.click("#explore-chart")
    page.get_by_text("Stacked bar", exact=True).click()
    page.wait_for_function("() => window.location.search.includes('chart=stacked')")
    assert "version 2" in _save(page)  # the form came filled in from the saved query

    page.goto(app_server.url + "/saved")
    page.locator(".ag-row", has_text="Mix by channel (exs001)").click()
    page.wait_for_function("() => document.getElementById('saved-diff').textContent.includes('stacked')")
    diff = page.inner_text("#saved-diff")
    assert '-  "chart": "line"' in diff and '+  "chart": "stacked"' in diff
    page.click("#saved-restore")
    page.wait_for_selector("#saved-message .alert-success")
    assert "Restored version 1 as version 3" in page.inner_text("#saved-message")


def test_exs002_private_queries_stay_private(page, app_server):
    login(page, "analyst", app_server.url)
    page.goto(app_server.url + "/explore?metric=failure_rate")
    wait_for_chart(page, "explore-graph")
    _save(page, "Private failure rate (exs002)")
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/saved")
    page.wait_for_selector("#saved-grid .ag-root")
    page.wait_for_timeout(500)
    assert "exs002" not in page.inner_text("#saved-grid")
