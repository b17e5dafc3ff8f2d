"""The Query history page over HTTP: who sees which runs, the fields each row carries, and a cost
summary that adds up to the rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.dash_payload import callback_payload

OUTPUTS = [("history-grid", "rowData"), ("history-count", "children"), ("history-totals", "children"),
           ("history-cache", "children"), ("history-by-user", "rowData"), ("history-by-page", "rowData"),
           ("history-by-day", "rowData"), ("history-notices", "children")]


@pytest.fixture(scope="module")
def marker() -> str:
    return f"hst-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def seeded(app_server, marker):
    """Runs by the analyst and the admin, written straight into the running app's history."""
    from queries.service import QueryRecord
    from store.db import Database
    from store.history import QueryHistory

    history = QueryHistory(Database(app_server.log.parent / "app.db"))
    now = dt.datetime.now(dt.UTC)

    def record(user, role, tenants, source, name, sql, *, hit=False, status="ok", bytes_scanned=None,
               query_id=None, rows=10, minutes=0):
        history.record(QueryRecord(
            at=now - dt.timedelta(minutes=minutes), user_id=user, role=role, tenants=tenants, source=source,
            name=name, sql_hash=f"{marker}-{hash(sql) & 0xffff}", sql=f"-- final {marker}", duration_ms=123.4,
            rows=rows, cache_hit=hit, status=status, engine="athena", query_id=query_id,
            bytes_scanned=bytes_scanned, cost_usd=None if bytes_scanned is None else bytes_scanned / 1e12 * 5,
            state="SUCCEEDED" if status == "ok" else "FAILED", error=None if status == "ok" else "boom",
            sql_text=sql))

    sql = f"SELECT count(*) FROM interactions -- {marker} analyst"
    record("analyst", "analyst", "t01,t02", "sql", "sql", sql, bytes_scanned=2_000_000_000, query_id="q-a1",
           minutes=3)
    record("analyst", "analyst", "t01,t02", "sql", "sql", sql, hit=True, rows=10, minutes=2)
    record("analyst", "analyst", "t01,t02", "page", f"overview_daily_{marker}", None, bytes_scanned=500_000_000,
           query_id="q-a2", minutes=1)
    record("admin", "admin", "*", "sql", "sql", f"SELECT 1 -- {marker} admin", status="error", query_id="q-b1")
    return marker


def _search(session, app_server, *, text, users=None, sources=None) -> dict:
    today = dt.datetime.now(dt.UTC).date()
    payload = callback_payload(OUTPUTS, [
        ("history-dates", "start_date", (today - dt.timedelta(days=1)).isoformat()),
        ("history-dates", "end_date", today.isoformat()),
        ("history-sources", "value", sources or []),
        ("history-statuses", "value", []),
        ("history-text", "value", text),
        ("history-users", "value", users),
        ("history-sort", "value", "at"),
    ])
    answer = session.post(app_server.url + "/_dash-update-component", json=payload, timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["response"]


def test_hst001_analyst_sees_own_runs_with_every_field(signed_in_session, app_server, seeded):
    response = _search(signed_in_session("analyst"), app_server, text=seeded)
    rows = response["history-grid"]["rowData"]
    assert {r["user_id"] for r in rows} == {"analyst"}
    assert len(rows) == 3
    sql_run = next(r for r in rows if r["source"] == "sql" and r["cache_hit"] == "no")
    assert sql_run["query"] == f"SELECT count(*) FROM interactions -- {seeded} analyst"  # the full SQL
    assert sql_run["tenants"] == "t01,t02"
    assert sql_run["duration_ms"] == 123.4 and sql_run["rows"] == 10
    assert sql_run["bytes_scanned"] == 2_000_000_000 and sql_run["cost_usd"] == pytest.approx(0.01)
    assert sql_run["status"] == "ok" and sql_run["query_id"] == "q-a1"
    assert sql_run["again"] == f"[Run again](/sql?history={sql_run['id']})"
    assert len(sql_run["at"]) == 19
    page_run = next(r for r in rows if r["source"] == "page")
    assert page_run["query"] == f"overview_daily_{seeded}"  # a named query by its name
    assert page_run["again"] == "[Open Overview](/)"


def test_hst002_analyst_cannot_see_other_users_even_when_asking(signed_in_session, app_server, seeded):
    session = signed_in_session("analyst")
    for users in (None, "admin"):
        response = _search(session, app_server, text=seeded, users=users)
        assert {r["user_id"] for r in response["history-grid"]["rowData"]} == {"analyst"}
        assert [r["user"] for r in response["history-by-user"]["rowData"]] == ["analyst"]
    assert response["history-cache"]["children"] is None  # live cache counters are for admins


def test_hst003_admin_sees_everyone_and_filters_by_user(signed_in_session, app_server, seeded):
    session = signed_in_session("admin")
    everyone = _search(session, app_server, text=seeded)
    assert {r["user_id"] for r in everyone["history-grid"]["rowData"]} == {"analyst", "admin"}
    failed = next(r for r in everyone["history-grid"]["rowData"] if r["user_id"] == "admin")
    assert failed["status"] == "error (failed)" and failed["error"] == "boom" and failed["tenants"] == "all"
    only_admin = _search(session, app_server, text=seeded, users="admin")
    assert {r["user_id"] for r in only_admin["history-grid"]["rowData"]} == {"admin"}
    assert "Result cache, live" in str(everyone["history-cache"]["children"])


def test_hst004_cost_summary_equals_the_rows(signed_in_session, app_server, seeded):
    response = _search(signed_in_session("admin"), app_server, text=seeded)
    rows = response["history-grid"]["rowData"]
    executed = [r for r in rows if r["cache_hit"] == "no"]
    by_user = {r["user"]: r for r in response["history-by-user"]["rowData"]}
    for user in ("analyst", "admin"):
        mine = [r for r in rows if r["user_id"] == user]
        assert by_user[user]["runs"] == len(mine)
        assert by_user[user]["bytes_scanned"] == sum(r["bytes_scanned"] or 0 for r in executed if r["user_id"] == user)
        assert by_user[user]["cost_usd"] == pytest.approx(
            sum(r["cost_usd"] or 0 for r in executed if r["user_id"] == user))
        assert by_user[user]["cache_hit_ratio"] == pytest.approx(
            sum(r["cache_hit"] == "yes" for r in mine) / len(mine))
    # The analyst's cache hit re-ran SQL that had scanned 2 GB: that is what the cache saved.
    assert by_user["analyst"]["bytes_saved"] == 2_000_000_000
    by_page = {r["page"]: r for r in response["history-by-page"]["rowData"]}
    assert by_page["SQL Lab"]["runs"] == 3 and by_page["Overview"]["runs"] == 1
    assert by_page["Overview"]["bytes_scanned"] == 500_000_000
    by_day = response["history-by-day"]["rowData"]
    assert sum(r["runs"] for r in by_day) == len(rows)
    assert sum(r["bytes_scanned"] for r in by_day) == 2_500_000_000
    totals = str(response["history-totals"]["children"])
    assert "'4'" in totals and "2.5 GB" in totals and "$0.0125" in totals and "25%" in totals


def test_hst005_viewer_may_not_open_history(signed_in_session, app_server):
    session = signed_in_session("viewer")
    assert session.get(app_server.url + "/history", timeout=10).status_code == 403
    today = dt.datetime.now(dt.UTC).date().isoformat()
    payload = callback_payload(OUTPUTS, [("history-dates", "start_date", today), ("history-dates", "end_date", today),
                                         ("history-sources", "value", []), ("history-statuses", "value", []),
                                         ("history-text", "value", ""), ("history-users", "value", None),
                                         ("history-sort", "value", "at")])
    assert session.post(app_server.url + "/_dash-update-component", json=payload, timeout=10).status_code == 403


def test_hst006_cost_per_page_counts_what_each_page_asked(signed_in_session, app_server):
    """A page's KPI cards, filter bar and drill-down grid are all counted against that page, even
    the grid's ad hoc SQL and the tenant list every page shares."""
    from store.db import Database
    from tests.dash_payload import initial_callbacks

    session = signed_in_session("analyst")
    deps = session.get(app_server.url + "/_dash-dependencies", timeout=10).json()
    for payload in initial_callbacks(deps, "notes-"):
        if "kpis" in payload["output"] or "tenant.options" in payload["output"]:
            assert session.post(app_server.url + "/_dash-update-component", json=payload, timeout=60).status_code == 200
    grid = next(d for d in deps if d["output"] == "notes-grid.getRowsResponse")
    drill = {"table": "clinical_notes", "title": "soap", "where": [["eq", "note_type", "soap"]]}
    answer = session.post(app_server.url + "/_dash-update-component", timeout=60, json={
        "output": grid["output"], "outputs": {"id": "notes-grid", "property": "getRowsResponse"},
        "inputs": [{"id": "notes-grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 10}}],
        "changedPropIds": ["notes-grid.getRowsRequest"],
        "state": [{"id": s["id"], "property": s["property"], "value": drill if s["id"] == "notes-drill" else None}
                  for s in grid["state"]]})
    assert answer.status_code == 200 and answer.json()["response"]["notes-grid"]["getRowsResponse"]["rowCount"] > 0
    rows = Database(app_server.log.parent / "app.db").execute(
        "SELECT DISTINCT name FROM query_history WHERE user_id = 'analyst' AND page = 'notes'").fetchall()
    assert {"notes_kpis", "tenant_list", "sql"} <= {r[0] for r in rows}
