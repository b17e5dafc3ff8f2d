"""Streamed CSV exports over HTTP: equal to the query result, limited, role-gated, scoped."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import requests

from tests.conftest import login

SQL = "SELECT interaction_id, tenant_id, channel, started_at, cost_usd FROM interactions WHERE dt >= '2026-11-01'"


@pytest.fixture(scope="module")
def analyst(app_server):
    session = requests.Session()
    login(session, "analyst", app_server.url)
    return session


def test_xst001_sql_csv_equals_the_rows_scoped_to_the_user(app_server, analyst, demo_data):
    response = analyst.get(app_server.url + "/export/sql.csv", params={"sql": SQL}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    got = pd.read_csv(io.BytesIO(response.content))
    frame = pd.read_parquet(demo_data / "interactions", columns=["interaction_id", "tenant_id", "dt"])
    want = frame[(frame["dt"].astype(str) >= "2026-11-01") & frame["tenant_id"].isin(["t01", "t02"])]
    assert int(response.headers["X-Export-Rows"]) == len(got) == len(want)
    assert set(got["interaction_id"]) == set(want["interaction_id"])
    assert set(got["tenant_id"]) == {"t01", "t02"}
    assert list(got.columns) == ["interaction_id", "tenant_id", "channel", "started_at", "cost_usd"]


def test_xst002_explore_csv_and_bad_names(app_server, analyst):
    ok = analyst.get(app_server.url + "/export/explore.csv?metric=interactions&dim=channel", timeout=60)
    assert ok.status_code == 200 and ok.text.splitlines()[0] == '"channel","interactions"'
    bad = analyst.get(app_server.url + "/export/explore.csv?metric=revenue", timeout=30)
    assert bad.status_code == 400 and "unknown metric or dimension: revenue" in bad.text


def test_xst003_over_the_limit_is_refused_with_a_message(tmp_path, demo_data):
    from tests.conftest import RunningApp

    app = RunningApp({"DATA_DIR": str(demo_data), "CACHE_DIR": str(tmp_path / "c"), "VAR_DIR": str(tmp_path),
                      "DEMO_USERS": "true", "EXPORT_ROW_LIMIT": "10"}, tmp_path)
    try:
        session = requests.Session()
        login(session, "analyst", app.url)
        response = session.get(app.url + "/export/sql.csv", params={"sql": SQL}, timeout=60)
        assert response.status_code == 400 and "more than 10 rows, the export limit" in response.text
        small = session.get(app.url + "/export/sql.csv", params={"sql": SQL + " LIMIT 3"}, timeout=60)
        assert small.status_code == 200 and len(small.text.strip().splitlines()) == 4
    finally:
        app.stop()


def test_xst004_viewers_may_not_export_and_nobody_anonymous(app_server):
    viewer = requests.Session()
    login(viewer, "viewer", app_server.url)
    assert viewer.get(app_server.url + "/export/sql.csv", params={"sql": SQL}, timeout=30).status_code == 403
    anonymous = requests.get(app_server.url + "/export/sql.csv", params={"sql": SQL}, timeout=30,
                             allow_redirects=False)
    assert anonymous.status_code in (302, 401)
