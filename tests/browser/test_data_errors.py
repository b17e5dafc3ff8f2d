"""A broken dataset gives a plain message that says how to regenerate it, never a traceback."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.helpers import wait_for_chart, wait_for_kpis
from tests.conftest import RunningApp, login


@pytest.fixture
def broken_app(demo_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    for part in sorted((data / "interactions").glob("dt=*/part-0.parquet"))[-5:]:
        part.write_bytes(b"this is not parquet")
    app = RunningApp({"DATA_DIR": str(data), "CACHE_DIR": str(tmp_path / "cache"), "VAR_DIR": str(tmp_path)},
                     tmp_path)
    yield app
    app.stop()


def test_err001_corrupt_data_shows_how_to_regenerate(page, broken_app):
    login(page, "admin", broken_app.url)
    page.goto(broken_app.url + "/")
    page.wait_for_selector(".state-error")
    text = page.inner_text("body")
    assert "python -m demo.generate" in text
    assert "Traceback" not in text and "Error:" not in text.split("cannot read the dataset")[0]


def test_err002_other_periods_still_work(page, broken_app):
    """The period's own numbers and charts load; only what reads the whole history (the Insights
    panel's rollout dates) reports the broken files."""
    login(page, "admin", broken_app.url)
    page.goto(broken_app.url + "/?range=custom&start=2026-06-01&end=2026-06-30")
    wait_for_kpis(page)
    wait_for_chart(page, "overview-trend")
    wait_for_chart(page, "overview-breakdown")
    for card in ("#overview-kpis", "#overview-trend-message", "#overview-breakdown-message"):
        assert not page.query_selector(f"{card} .state-error"), card
