"""The five dashboard pages in headless Chromium: every chart draws with data; a filter change
updates the URL and the charts; a click on a mark opens the detail grid; exports download and read
back; light/dark is remembered; the phone layout does not scroll sideways."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.browser.helpers import chart_data, wait_for_chart, wait_for_kpis
from tests.conftest import login

# page -> (path, chart graph ids, the chart to click and where, as fractions of its plot area)
PAGES = {
    "overview": ("/", ["overview-trend", "overview-breakdown"], ("overview-breakdown", 0.05, 0.5)),
    "interactions": ("/interactions", ["interactions-volume", "interactions-heatmap", "interactions-duration",
                                       "interactions-outcomes", "interactions-feedback"],
                     ("interactions-heatmap", 0.4, 0.3)),
    "notes": ("/notes", ["notes-by-type", "notes-quality", "notes-time-to-sign", "notes-word-count"],
              ("notes-by-type", 0.05, 0.5)),
    "models": ("/models", ["models-latency", "models-failures", "models-usage", "models-versions",
                           "models-side-by-side"], ("models-latency", 0.5, 0.5)),
    "adoption": ("/adoption", ["adoption-active", "adoption-stickiness", "adoption-new-returning",
                               "adoption-cohorts", "adoption-tenants", "adoption-specialties"],
                 ("adoption-active", 0.5, 0.5)),
}


@pytest.fixture
def admin(page, app_server):
    login(page, "admin", app_server.url)
    return page


def _has_data(page, graph_id: str) -> bool:
    """Some trace of the drawn chart carries values (points, cells or a table's columns)."""
    return page.evaluate("""(id) => {
        const gd = document.querySelector(`#${id} .js-plotly-plot`);
        return !!gd && gd.data.some(t => (t.x && t.x.length) || (t.z && t.z.length)
                                         || (t.cells && t.cells.values && t.cells.values.length));
    }""", graph_id)


def _traces(page, graph_id: str) -> str:
    return json.dumps(chart_data(page, graph_id))


def _choose(page, control_id: str, text: str) -> None:
    page.click(f"#{control_id}")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def _click_plot(page, graph_id: str, fx: float, fy: float) -> None:
    area = page.locator(f"#{graph_id} .nsewdrag").first.bounding_box()
    x, y = area["x"] + area["width"] * fx, area["y"] + area["height"] * fy
    page.mouse.move(x, y)
    page.wait_for_timeout(150)  # Plotly reports a click on what it last hovered
    page.mouse.click(x, y)


def _download(page, menu_scope: str, label: str) -> tuple[str, bytes]:
    page.click(f"{menu_scope} .export-toggle")
    with page.expect_download() as info:
        page.locator(f"{menu_scope} .dropdown-menu").get_by_text(label, exact=True).click()
    download = info.value
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()


@pytest.mark.parametrize("name", list(PAGES))
def test_pgb001_page_draws_filters_drills_and_exports(admin, app_server, name):
    page = admin
    path, graphs, (drill_graph, fx, fy) = PAGES[name]
    page.goto(app_server.url + path + "?range=90d")
    wait_for_kpis(page)
    for graph in graphs:
        wait_for_chart(page, graph)
        assert _has_data(page, graph), graph

    # A filter change reaches the URL and every chart.
    before = {g: _traces(page, g) for g in graphs}
    _choose(page, f"{name}-channel", "web")
    page.wait_for_function("() => window.location.search.includes('channel=web')")
    assert "range=90d" in page.url
    changed = graphs[0]
    page.wait_for_function("([id, old]) => { const gd = document.querySelector(`#${id} .js-plotly-plot`);"
                           " return gd && JSON.stringify(gd.data.map(t => ({name: t.name, x: t.x, y: t.y}))) !== old; }",
                           arg=[changed, before[changed]])
    wait_for_kpis(page)

    # A click on a mark opens the detail grid of its rows.
    wait_for_chart(page, drill_graph)
    _click_plot(page, drill_graph, fx, fy)
    page.wait_for_selector(f"#{name}-detail-card .ag-row", timeout=20_000)
    title = page.inner_text(f"#{name}-detail-title")
    assert title.startswith("Details: ")
    summary = f"#{name}-detail-card .ag-paging-row-summary-panel"
    page.wait_for_function("(sel) => /of [\\d,]+$/.test(document.querySelector(sel).textContent.trim())",
                           arg=summary)
    total = int(re.search(r"of ([\d,]+)", page.inner_text(summary)).group(1).replace(",", ""))
    assert total > 0
    channels = page.locator(f"#{name}-detail-card .ag-row [col-id=channel]").all_inner_texts()
    if channels:  # interaction rows: the page's channel filter applies to them too
        assert set(channels) == {"web"}

    # The grid and a chart export as CSV files that read back.
    filename, body = _download(page, f"#{name}-detail-card", "CSV")
    assert filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == total
    filename, body = _download(page, f".page-{name} .chart-card:has(#{graphs[0]})", "CSV")
    assert filename.endswith(".csv") and len(body.decode().splitlines()) > 1


def test_pgb002_url_reopens_the_exact_view(admin, app_server):
    page = admin
    page.goto(app_server.url + "/models?range=custom&start=2026-09-01&end=2026-10-31&compare=last_year&model=v2.4")
    wait_for_chart(page, "models-latency")
    traces = chart_data(page, "models-latency")
    assert {t["name"] for t in traces} == {"v2.4"}
    assert traces[0]["x"][0] >= "2026-09-01" and traces[0]["x"][-1] <= "2026-10-31"
    wait_for_kpis(page)
    assert "same period last year" in page.inner_text("#models-kpis") or "no comparison" in page.inner_text(
        "#models-kpis")
    assert "compare=last_year" in page.url and "model=v2.4" in page.url


def test_pgb005_chart_options_are_part_of_the_link(admin, app_server):
    """A chart's options (percentile, versions compared) come from the URL, and a change goes back to it."""
    page = admin
    page.goto(app_server.url + "/models?range=12m&latency.percentile=p99_latency_ms&side-by-side.a=v2.4.1&side-by-side.b=v2.2")
    wait_for_chart(page, "models-side-by-side")
    assert page.is_checked("#models-latency-percentile input[value=p99_latency_ms]")
    # The versions the link names (not the default, the newest two).
    page.wait_for_function("""() => {
        const gd = document.getElementById('models-side-by-side').querySelector('.js-plotly-plot');
        return gd && gd.data && gd.data[0].header && gd.data[0].header.values.length > 1;
    }""")
    header = page.evaluate("() => document.getElementById('models-side-by-side').querySelector('.js-plotly-plot')"
                           ".data[0].header.values")
    assert [h.replace("<b>", "").replace("</b>", "") for h in header[1:3]] == ["v2.4.1", "v2.2"]
    page.click("#models-latency-percentile label:has-text('p50')")
    page.wait_for_function("() => location.search.includes('latency.percentile=p50_latency_ms')")
    assert "side-by-side.a=v2.4.1" in page.url
    assert "latency.percentile%3Dp50" in page.get_attribute("#models-pdf", "href").replace("=", "%3D") or \
        "latency.percentile=p50_latency_ms" in page.get_attribute("#models-pdf", "href")
    # A value the chart does not have: a message, and the default.
    page.goto(app_server.url + "/models?latency.percentile=p42")
    page.wait_for_selector("text=Unknown percentile 'p42'")
    assert page.is_checked("#models-latency-percentile input[value=p95_latency_ms]")


def test_pgb003_theme_is_remembered_per_user(admin, app_server, signed_in_session):
    """Dark follows the admin to another page and to another browser, and does not follow the browser
    to another user."""
    page = admin
    page.goto(app_server.url + "/notes")
    wait_for_chart(page, "notes-quality")
    page.click("#theme-toggle")
    page.wait_for_function("() => document.documentElement.getAttribute('data-bs-theme') === 'dark'")
    page.goto(app_server.url + "/adoption")
    wait_for_chart(page, "adoption-active")
    assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == "dark"
    # Another browser: the page is served dark already (no flash of the light theme).
    html = signed_in_session("admin").get(app_server.url + "/adoption", timeout=10).text
    assert '<html data-bs-theme="dark">' in html
    # Another user in this browser keeps their own (never chosen: the system's, light here).
    login(page, "analyst", app_server.url)
    page.goto(app_server.url + "/notes")
    wait_for_chart(page, "notes-quality")
    assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == "light"
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/notes")
    page.wait_for_selector("#theme-toggle")
    assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == "dark"
    page.click("#theme-toggle")
    page.wait_for_function("() => document.documentElement.getAttribute('data-bs-theme') === 'light'")
    page.wait_for_load_state("networkidle")  # the save callback has answered
    assert '<html data-bs-theme="light">' in signed_in_session("admin").get(app_server.url + "/", timeout=10).text


def test_pgb004_phone_width_never_scrolls_sideways(browser, app_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        login(page, "analyst", app_server.url)
        for name, (path, graphs, _) in PAGES.items():
            page.goto(app_server.url + path)
            wait_for_chart(page, graphs[-1])
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
            width = page.locator(f"#{graphs[0]}").bounding_box()["width"]
            assert 300 <= width <= 390, name
    finally:
        context.close()
