"""The shell: navigation lists only what the user may open, and signing out ends the session."""

from __future__ import annotations

from tests.conftest import login


def _nav(page) -> list[str]:
    page.wait_for_selector(".app-navbar .nav-link")
    return [t.strip() for t in page.locator(".app-navbar .nav-link").all_inner_texts()]


def test_shl001_viewer_sees_only_dashboards_and_can_sign_out(page, app_server):
    login(page, "viewer", app_server.url)
    page.goto(app_server.url + "/")
    links = _nav(page)
    assert {"Overview", "Interactions", "Clinician adoption"} <= set(links)
    assert not {"Explore", "SQL Lab", "Audit log", "Saved queries"} & set(links)
    assert "Sign out (viewer)" in links
    page.click("text=Sign out (viewer)")
    page.wait_for_url("**/login**")
    page.goto(app_server.url + "/explore")
    page.wait_for_url("**/login**")  # the session really ended


def test_shl002_admin_sees_everything(page, app_server):
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/")
    assert {"Explore", "SQL Lab", "Query history", "Saved queries", "Audit log"} <= set(_nav(page))


def test_shl003_pdf_report_link_follows_the_view(page, app_server):
    login(page, "analyst", app_server.url)
    page.goto(app_server.url + "/interactions?range=7d&channel=web")
    page.wait_for_function(
        "() => (document.getElementById('interactions-pdf')?.getAttribute('href') || '').includes('channel=web')")
    href = page.get_attribute("#interactions-pdf", "href")
    assert href.startswith("/export/report.pdf?page=%2Finteractions") and "range=7d" in href
    login(page, "viewer", app_server.url)
    page.goto(app_server.url + "/interactions")
    page.wait_for_selector("#interactions-pdf", state="attached")
    assert not page.is_visible("#interactions-pdf")  # viewers may not export
