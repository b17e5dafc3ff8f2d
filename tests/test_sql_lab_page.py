"""SQL Lab's server-side rules without a browser: which saved query or history row a user may load,
and how errors read."""

from __future__ import annotations

import datetime as dt

import pytest

from queries import Principal, QueryError, QueryRejected

ANALYST = Principal("analyst", "analyst", frozenset({"t01", "t02"}))
OTHER = Principal("ada", "analyst", frozenset({"t03"}))
ADMIN = Principal("admin", "admin", None)


@pytest.fixture(scope="module")
def sql_lab(dash_app):
    """The page module (importable once the real app exists)."""
    from pages import sql_lab

    return sql_lab


@pytest.fixture
def db(tmp_path):
    from store.db import Database, set_database

    database = Database(tmp_path / "app.db")
    set_database(database)
    yield database
    set_database(None)


def _history_row(db, user: Principal, source: str, sql: str | None, name: str = "sql") -> int:
    from queries.service import QueryRecord
    from store.history import HistoryFilter, QueryHistory

    history = QueryHistory(db)
    history.record(QueryRecord(at=dt.datetime.now(dt.UTC), user_id=user.user_id, role=user.role, tenants="t01",
                               source=source, name=name, sql_hash="h", sql="final", duration_ms=1, rows=1,
                               cache_hit=False, status="ok", engine="duckdb", sql_text=sql))
    return history.search(HistoryFilter(user_id=user.user_id, limit=1))[0]["id"]


def _text(notices) -> str:
    return " ".join(str(n.children) for n in notices)


def test_sql101_history_rows_load_for_their_owner_and_admins_only(sql_lab, db):
    own = _history_row(db, ANALYST, "sql", "SELECT 1 AS mine")
    theirs = _history_row(db, OTHER, "sql", "SELECT 2 AS theirs")
    assert sql_lab._from_history(ANALYST, str(own), "default")[0] == "SELECT 1 AS mine"
    sql, notices = sql_lab._from_history(ANALYST, str(theirs), "default")
    assert sql == "default" and "No query history entry" in _text(notices)
    # Someone else's row and a row that does not exist read the same.
    assert _text(notices).replace(str(theirs), "N") == _text(
        sql_lab._from_history(ANALYST, "987654", "default")[1]).replace("987654", "N")
    assert sql_lab._from_history(ADMIN, str(theirs), "default")[0] == "SELECT 2 AS theirs"
    page_run = _history_row(db, ANALYST, "page", None, name="overview_daily")
    sql, notices = sql_lab._from_history(ANALYST, str(page_run), "default")
    assert sql == "default" and "overview_daily" in _text(notices)
    for junk in ("abc", "-1", "", "1" * 40):
        assert sql_lab._from_history(ANALYST, junk, "default")[0] == "default"


def test_sql102_saved_queries_load_only_when_visible(sql_lab, db):
    from store.saved import SavedQueries

    store = SavedQueries(db)
    private = store.save(OTHER, kind="sql", name="Ada's", body="SELECT 'private' AS p")
    shared = store.save(OTHER, kind="sql", name="Shared", body="SELECT 'shared' AS s", visibility="everyone")
    mine = store.save(ANALYST, kind="sql", name="Mine", body="SELECT 'mine' AS m", tags=["x"])
    explore = store.save(ANALYST, kind="explore", name="Builder", body="{}")

    sql, notices, loaded = sql_lab._from_saved(ANALYST, str(private.id), "default")
    assert (sql, loaded) == ("default", None)
    assert _text(notices) == f"No saved query '{private.id}' is available to you."
    sql, notices, loaded = sql_lab._from_saved(ANALYST, str(shared.id), "default")
    assert sql == "SELECT 'shared' AS s" and loaded is None  # another's: saving makes a copy
    sql, notices, loaded = sql_lab._from_saved(ANALYST, str(mine.id), "default")
    assert sql == "SELECT 'mine' AS m" and loaded.id == mine.id and notices == []
    assert "Explore" in _text(sql_lab._from_saved(ANALYST, str(explore.id), "default")[1])


def test_sql103_errors_read_plainly_with_their_position(sql_lab):
    alert = sql_lab._error(QueryRejected("SQL syntax error: Required keyword: 'this' missing for "
                                         "<class 'sqlglot.expressions.query.Where'> (line 2, column 18)"), 0.1)
    text = str(alert.children)
    assert "incomplete WHERE (line 2, column 18)" in text and "sqlglot" not in text
    assert "Line 2, column 18" in text and "refused" in text
    engine = str(sql_lab._error(QueryError("Binder Error: no such column", query_id="q-1"), 0.1).children)
    assert "engine reported an error" in engine and "Query id: q-1" in engine
    athena = str(sql_lab._error(QueryError("line 1:8: Column 'foo' cannot be resolved"), 0.1).children)
    assert "Line 1, column 8 of the SQL the engine ran" in athena


def test_sql104_server_side_sort_and_page(sql_lab):
    import pandas as pd

    frame = pd.DataFrame({"n": [3, 1, 2], "when": pd.to_datetime(["2026-01-03", "2026-01-01", "2026-01-02"])})
    ordered = sql_lab._sorted(frame, [{"colId": "n", "sort": "desc"}])
    assert list(ordered["n"]) == [3, 2, 1]
    assert sql_lab._sorted(frame, [{"colId": "nope", "sort": "asc"}]) is frame  # unknown columns are ignored
    assert sql_lab._records(ordered.iloc[:1]) == [{"n": 3, "when": "2026-01-03T00:00:00.000"}]
