"""Query history rows, written by the QueryService listener into a real SQLite file."""

from __future__ import annotations

import datetime as dt

import pytest

from queries import Filters, Principal, QueryRejected
from store.db import Database
from store.history import HistoryFilter, QueryHistory
from tests.conftest import END_DATE

ADA = Principal("ada", "analyst", frozenset({"t01"}))
ROOT = Principal("root", "admin", None)
LAST_7 = Filters(END_DATE - dt.timedelta(days=6), END_DATE)


@pytest.fixture
def history(service, tmp_path):
    history = QueryHistory(Database(tmp_path / "app.db"))
    service.listeners.append(history.record)
    return history


def test_his001_rows_carry_every_field(service, history):
    service.run("overview_kpis", ADA, filters=LAST_7)
    service.run("overview_kpis", ADA, filters=LAST_7)
    sql = "SELECT channel, count(*) AS n FROM interactions GROUP BY channel"
    frame = service.run_sql(sql, ADA, source="sql")
    rows = history.search(HistoryFilter(user_id="ada", sort="at", descending=False))
    assert [(r["source"], r["name"], r["cache_hit"]) for r in rows] == [
        ("page", "overview_kpis", 0), ("page", "overview_kpis", 1), ("sql", "sql", 0)]
    named, _, adhoc = rows
    assert named["sql_text"] == "overview_kpis" and adhoc["sql_text"] == sql  # full text for SQL Lab
    assert adhoc["rows"] == len(frame) and adhoc["status"] == "ok" and adhoc["state"] == "SUCCEEDED"
    assert named["tenants"] == "t01" and named["role"] == "analyst" and named["engine"] == "duckdb"
    assert named["query_id"] and len(named["sql_hash"]) == 16 and named["duration_ms"] > 0


def test_his002_failures_are_recorded_with_their_message(service, history):
    with pytest.raises(QueryRejected):
        service.run_sql("SELECT * FROM read_csv('/etc/passwd')", ADA)
    (row,) = history.search(HistoryFilter(statuses=("error",)))
    assert row["user_id"] == "ada" and row["error"] and row["state"] == "FAILED"


def test_his003_filters_sorting_and_cost_summary(service, history):
    service.run("overview_daily", ADA, filters=LAST_7)
    service.run("overview_daily", ROOT, filters=LAST_7)
    service.run("overview_daily", ROOT, filters=LAST_7)
    assert {r["user_id"] for r in history.search(HistoryFilter())} == {"ada", "root"}
    assert len(history.search(HistoryFilter(user_id="root"))) == 2
    assert history.search(HistoryFilter(text="daily")) and not history.search(HistoryFilter(text="nothing%"))
    slowest = history.search(HistoryFilter(sort="duration_ms"))
    assert slowest[0]["duration_ms"] >= slowest[-1]["duration_ms"]
    summary = {row["user"]: row for row in history.cost_summary("user", HistoryFilter())}
    assert summary["root"]["runs"] == 2 and summary["root"]["cache_hit_ratio"] == 0.5
    assert summary["ada"]["cache_hit_ratio"] == 0
    with pytest.raises(ValueError):
        history.search(HistoryFilter(sort="1; DROP TABLE query_history"))


def test_his004_bytes_saved_counts_what_a_hit_would_have_scanned(history):
    from queries.service import QueryRecord

    base = dict(at=dt.datetime.now(dt.UTC), user_id="u", role="analyst", tenants="t01", source="page",
                name="q", sql_hash="h1", sql="SELECT 1", duration_ms=1.0, rows=1, status="ok", engine="athena")
    history.record(QueryRecord(**base, cache_hit=False, bytes_scanned=1000, cost_usd=1000 / 1e12 * 5))
    history.record(QueryRecord(**base, cache_hit=True))
    history.record(QueryRecord(**base, cache_hit=True))
    (row,) = history.cost_summary("page", HistoryFilter())
    assert (row["runs"], row["bytes_scanned"], row["bytes_saved"]) == (3, 1000, 2000)


def test_his005_refused_exports_are_recorded_too(service, history):
    with pytest.raises(QueryRejected):
        service.export_sql("DELETE FROM interactions", ADA, limit=10)
    (row,) = history.search(HistoryFilter(sources=("export",)))
    assert row["status"] == "error" and row["sql_text"] == "DELETE FROM interactions"


def test_his006_runs_carry_the_page_that_asked(service, history):
    from queries.service import asked_from

    with asked_from("models"):
        service.run("model_versions", ADA, source="page")
    service.run("model_versions", ADA, source="page")
    latest = history.search(HistoryFilter(user_id="ada", limit=2))
    assert [r["page"] for r in latest] == [None, "models"]


def test_his007_athena_cost_counts_whole_megabytes_and_at_least_ten():
    from queries.engines.athena import AthenaEngine
    from queries.engines.duckdb import DuckDBEngine

    mb = 2**20
    assert AthenaEngine.billed_bytes(1) == 10 * mb
    assert AthenaEngine.billed_bytes(25 * mb + 1) == 26 * mb
    assert DuckDBEngine.billed_bytes(1234) == 1234
