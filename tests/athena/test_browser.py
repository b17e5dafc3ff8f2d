"""The Overview in Chromium with ENGINE=athena (PyAthena against the local Athena-compatible service)
shows the same KPI numbers as with the embedded DuckDB engine over the same files."""

from __future__ import annotations

import pytest

from tests.browser.helpers import kpi_values, wait_for_chart, wait_for_kpis
from tests.conftest import RunningApp, login

VIEW = "/?range=custom&start=2026-10-01&end=2026-10-31&channel=web"  # fixed dates: no "today" in it


@pytest.fixture(scope="module")
def twin_apps(local_athena, athena_data, tmp_path_factory):
    duck_dir = tmp_path_factory.mktemp("duck-app")
    duck = RunningApp({"DATA_DIR": str(athena_data), "CACHE_DIR": str(duck_dir / "cache"),
                       "VAR_DIR": str(duck_dir), "DEMO_USERS": "true"}, duck_dir)
    athena_dir = tmp_path_factory.mktemp("athena-app")
    # Demo users are seeded on the embedded engine only: the Athena app shares the DuckDB app's file.
    athena = RunningApp({**local_athena.client_env(), "CACHE_DIR": str(athena_dir / "cache"),
                         "VAR_DIR": str(athena_dir), "USERS_FILE": str(duck_dir / "users.json")}, athena_dir)
    yield duck, athena
    athena.stop()
    duck.stop()


def _overview(page, app: RunningApp) -> dict[str, str]:
    login(page, "admin", app.url)
    page.goto(app.url + VIEW)
    wait_for_kpis(page)
    wait_for_chart(page, "overview-trend")
    return kpi_values(page)


def test_ath070_overview_on_athena_shows_the_duckdb_numbers(page, twin_apps, local_athena):
    duck, athena = twin_apps
    started = local_athena.faults.counts().get("StartQueryExecution", 0)
    on_duckdb = _overview(page, duck)
    on_athena = _overview(page, athena)
    assert on_athena == on_duckdb
    assert on_duckdb["Interactions"] not in ("0", "–")
    # The Athena app's numbers really came through Athena's API: KPIs for both periods, at least.
    assert local_athena.faults.counts().get("StartQueryExecution", 0) >= started + 2
