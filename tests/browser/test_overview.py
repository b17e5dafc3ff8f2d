"""Overview in headless Chromium: KPIs equal a direct computation, charts draw, filters follow."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from components import format as fmt
from tests.browser.helpers import chart_data, kpi_values, wait_for_chart, wait_for_kpis
from tests.conftest import END_DATE, login

LAST_30 = (END_DATE - dt.timedelta(days=29)).isoformat(), END_DATE.isoformat()


@pytest.fixture(scope="module")
def interactions(demo_data) -> pd.DataFrame:
    frame = pd.read_parquet(demo_data / "interactions", columns=["channel", "status", "dt"])
    days = frame["dt"].astype(str)
    return frame[(days >= LAST_30[0]) & (days <= LAST_30[1])]


def test_brw001_overview_shows_kpis_and_charts_with_data(page, app_server, interactions):
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/")
    wait_for_kpis(page)
    kpis = kpi_values(page)
    assert kpis["Interactions"] == fmt.number(len(interactions))
    assert kpis["Failure rate"] == fmt.percent((interactions["status"] == "failed").mean())
    wait_for_chart(page, "overview-trend")
    wait_for_chart(page, "overview-breakdown")
    trend = chart_data(page, "overview-trend")
    assert len(trend[0]["x"]) == 30 and sum(trend[0]["y"]) == len(interactions)
    assert {t["name"] for t in chart_data(page, "overview-breakdown")} == {"web", "mobile", "ehr_plugin"}


def test_brw002_changing_a_filter_updates_url_and_charts(page, app_server, interactions):
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/")
    wait_for_chart(page, "overview-breakdown")
    page.click("#overview-channel")
    page.keyboard.type("web")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("() => window.location.search.includes('channel=web')")
    page.wait_for_function(
        """() => {
            const gd = document.querySelector('#overview-breakdown .js-plotly-plot');
            return gd && gd.data && gd.data.length === 1 && gd.data[0].name === 'web';
        }"""
    )
    web = interactions[interactions["channel"] == "web"]
    page.wait_for_function(
        "(want) => [...document.querySelectorAll('.kpi-value')][0].textContent === want",
        arg=fmt.number(len(web)),
    )
    assert sum(chart_data(page, "overview-trend")[0]["y"]) == len(web)

    # The URL reopens the same view.
    link = page.url
    page.goto(app_server.url + "/")
    wait_for_kpis(page)
    page.goto(link)
    wait_for_chart(page, "overview-breakdown")
    assert {t["name"] for t in chart_data(page, "overview-breakdown")} == {"web"}
    assert kpi_values(page)["Interactions"] == fmt.number(len(web))


def test_brw003_preset_and_custom_range_follow_the_url(page, app_server, demo_data):
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/?range=custom&start=2026-11-01&end=2026-11-07")
    wait_for_chart(page, "overview-trend")
    assert chart_data(page, "overview-trend")[0]["x"][0] == "2026-11-01"
    assert len(chart_data(page, "overview-trend")[0]["x"]) == 7
    page.click("#overview-range")
    page.get_by_text("Last 7 days", exact=True).click()
    page.wait_for_function("() => window.location.search.includes('range=7d')")
    page.wait_for_function(
        """() => {
            const gd = document.querySelector('#overview-trend .js-plotly-plot');
            return gd && gd.data[0].x[0] === '2026-11-16';
        }"""
    )


def test_brw004_bad_url_gives_a_message_not_a_traceback(page, app_server):
    login(page, "admin", app_server.url)
    page.goto(app_server.url + "/?range=custom&start=2026-11-30&end=2026-11-01&channel=fax")
    wait_for_kpis(page)
    text = page.inner_text("body")
    assert "before the start date" in text
    assert "Ignored unknown channel" in text
    assert "Traceback" not in text
