"""In headless Chromium: sign-in, tenant-scoped numbers, refused pages, and the CSP holding."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from components import format as fmt
from tests.browser.helpers import kpi_values, wait_for_kpis
from tests.conftest import END_DATE, login

pytestmark = pytest.mark.browser
LAST_30 = (END_DATE - dt.timedelta(days=29)).isoformat(), END_DATE.isoformat()


@pytest.fixture
def console(page) -> list[str]:
    """Console errors and page errors the page raises (CSP violations are reported there)."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(str(e)))
    return messages


def _csp_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


def test_sec120_a_viewer_sees_only_their_tenants_numbers(page, app_server, demo_data, console):
    frame = pd.read_parquet(demo_data / "interactions", columns=["tenant_id", "status", "dt"])
    days = frame["dt"].astype(str)
    recent = frame[(days >= LAST_30[0]) & (days <= LAST_30[1])]
    mine = recent[recent["tenant_id"] == "t01"]
    assert 0 < len(mine) < len(recent)

    page.goto(app_server.url + "/")
    assert "/login?next=%2F" in page.url
    login(page, "viewer", app_server.url)
    page.goto(app_server.url + "/")
    wait_for_kpis(page)
    kpis = kpi_values(page)
    assert kpis["Interactions"] == fmt.number(len(mine)) != fmt.number(len(recent))
    assert kpis["Failure rate"] == fmt.percent((mine["status"] == "failed").mean())
    assert not page.locator("#overview-tenant").is_visible()  # one tenant: nothing to pick
    assert not _csp_violations(console)


def test_sec121_a_viewer_cannot_open_the_audit_log(page, app_server):
    login(page, "viewer", app_server.url)
    response = page.goto(app_server.url + "/audit")
    assert response.status == 403
    assert "You do not have access to this." in page.inner_text("body")
    page.goto(app_server.url + "/")
    wait_for_kpis(page)
    if page.locator("a.nav-link", has_text="Audit log").count():  # a link, if shown, renders nothing
        page.click("a.nav-link >> text=Audit log")
        page.wait_for_timeout(1500)
        assert page.locator("#audit-grid").count() == 0


def test_sec122_an_admin_reads_the_audit_log_under_the_csp(page, app_server, console):
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/audit")
    page.wait_for_function("() => document.querySelectorAll('#audit-grid .ag-row').length > 0")
    events = page.locator("#audit-grid .ag-row [col-id='event']").all_inner_texts()
    assert "sign_in" in events and "page_view" in events
    page.click("#audit-events")
    page.keyboard.type("sign in")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("""() => {
        const cells = [...document.querySelectorAll('#audit-grid .ag-row [col-id="event"]')];
        return cells.length > 0 && cells.every(c => c.textContent === 'sign_in');
    }""")
    assert not _csp_violations(console)


def test_sec123_wrong_password_then_sign_in_and_out(page, app_server, console):
    page.goto(app_server.url + "/login?next=/tenants")
    page.fill("#username", "analyst")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert page.inner_text("#login-error") == "Wrong user name or password."
    page.fill("#password", "demo-analyst")
    page.click("button[type=submit]")
    page.wait_for_url(app_server.url + "/tenants")
    page.goto(app_server.url + "/logout")  # typed in the address bar: signs out at once
    assert "You have signed out." in page.inner_text("body")
    page.goto(app_server.url + "/tenants")
    assert "/login" in page.url
    assert not _csp_violations(console)
