"""The app database: migrations, WAL, concurrent writers, audit search, sessions and throttling."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time

import pytest

from auth.sessions import SessionStore
from auth.throttle import Limits, LoginThrottle
from store import AuditEvent, AuditLog, Database
from store.audit import configure_json_log
from store.migrations import MIGRATIONS, migrate


def test_sec100_migrations_apply_once_in_wal_mode(tmp_path):
    db = Database(tmp_path / "app.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert migrate(db.connection()) == len(MIGRATIONS)  # a second run changes nothing
    conn = db.connection()
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer than this code knows"):
        migrate(conn)


def test_sec101_threads_and_connections_write_without_losing_events(tmp_path):
    log = AuditLog(Database(tmp_path / "app.db"))

    def write(n: int) -> None:
        for i in range(50):
            log.record(AuditEvent("page_view", user_id=f"u{n}", detail={"i": i}))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other = AuditLog(Database(tmp_path / "app.db"))  # a second process would see the same
    assert other.count() == 200 and other.users() == ["u0", "u1", "u2", "u3"]


def test_sec102_audit_search_filters(tmp_path):
    log = AuditLog(Database(tmp_path / "app.db"))
    log.record(AuditEvent("sign_in", user_id="ada", at="2026-11-01T10:00:00.000+00:00"))
    log.record(AuditEvent("query", user_id="ada", outcome="error", detail={"sql_hash": "abc"},
                          at="2026-11-02T10:00:00.000+00:00"))
    log.record(AuditEvent("sign_in_failed", user_id="bob", outcome="denied", at="2026-11-03T23:59:59.000+00:00"))
    assert [e.event for e in log.search()] == ["sign_in_failed", "query", "sign_in"]
    assert [e.user_id for e in log.search(users=("bob",))] == ["bob"]
    assert [e.event for e in log.search(outcomes=("error", "denied"))] == ["sign_in_failed", "query"]
    assert [e.event for e in log.search(start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 3))] == [
        "sign_in_failed", "query"]
    assert log.search(events=("query",))[0].detail == {"sql_hash": "abc"}
    assert log.count(events=("sign_in", "query")) == 2
    with pytest.raises(ValueError, match="unknown audit event"):
        AuditEvent("coffee")


def test_sec103_events_are_also_json_lines(tmp_path):
    configure_json_log(tmp_path / "audit.jsonl")
    try:
        AuditLog(Database(tmp_path / "app.db")).record(AuditEvent("export", user_id="ada", detail={"rows": 3}))
    finally:
        configure_json_log(None)
    line = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert (line["event"], line["user_id"], line["detail"], line["outcome"]) == ("export", "ada", {"rows": 3}, "ok")


def test_sec104_sessions_live_on_the_server_and_expire(tmp_path):
    db = Database(tmp_path / "app.db")
    sessions = SessionStore(db, lifetime_seconds=60)
    token = sessions.create("ada", ip="127.0.0.1", user_agent="test")
    assert sessions.user_id(token) == "ada" and sessions.user_id("forged") is None
    stored = db.execute("SELECT token_hash FROM sessions").fetchone()[0]
    assert token not in stored  # only a hash of the token is kept
    sessions.end(token)
    assert sessions.user_id(token) is None
    expired = SessionStore(db, lifetime_seconds=-1).create("ada", ip=None, user_agent=None)
    assert sessions.user_id(expired) is None
    sessions.create("bob", ip=None, user_agent=None)
    sessions.create("bob", ip=None, user_agent=None)
    assert sessions.end_all("bob") == 2


def test_sec105_throttle_counts_per_user_and_per_address(tmp_path):
    throttle = LoginThrottle(Database(tmp_path / "app.db"), Limits(per_user=2, per_ip=3, window_seconds=60))
    throttle.failed("ada", "10.0.0.1")
    assert throttle.retry_after("ada", "10.0.0.1") == 0
    throttle.failed("ada", "10.0.0.2")
    assert 55 <= throttle.retry_after("ada", "10.0.0.9") <= 61  # the user, from any address
    throttle.succeeded("ada")
    assert throttle.retry_after("ada", "10.0.0.1") == 0
    for name in ("x", "y", "z"):
        throttle.failed(name, "10.0.0.3")
    assert throttle.retry_after("new", "10.0.0.3") > 0  # the address, for any user
    old = time.time() - 120
    db = throttle.db
    db.execute("UPDATE login_failures SET at = ?", (old,))
    assert throttle.retry_after("new", "10.0.0.3") == 0  # aged out of the window


def test_sec106_a_database_error_is_not_swallowed(tmp_path):
    db = Database(tmp_path / "app.db")
    with pytest.raises(sqlite3.OperationalError), db.transaction() as conn:
        conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert AuditLog(db).count() == 0


def test_sec110_preferences_hold_known_values_per_user(tmp_path):
    from store.preferences import Preferences

    prefs = Preferences(Database(tmp_path / "app.db"))
    prefs.set("ana", "theme", "dark")
    prefs.set("ana", "theme", "light")  # a second choice replaces the first
    prefs.set("bo", "theme", "dark")
    assert (prefs.get("ana", "theme"), prefs.get("bo", "theme"), prefs.get("cy", "theme")) == ("light", "dark", None)
    for name, value in (("theme", "neon"), ("font", "large")):
        with pytest.raises(ValueError):
            prefs.set("ana", name, value)
    assert prefs.get("ana", "theme") == "light"
