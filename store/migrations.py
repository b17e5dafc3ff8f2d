"""The app database's schema, as numbered migrations applied once each (tracked in `user_version`).

Append a migration to change the schema; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: audit log, server-side sessions, sign-in failures for throttling
    """
    CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,              -- ISO 8601 UTC, sortable as text
        event TEXT NOT NULL,           -- sign_in, sign_in_failed, sign_out, page_view, query, ...
        user_id TEXT,
        role TEXT,
        tenants TEXT,                  -- comma-separated, or * for all
        ip TEXT,
        outcome TEXT NOT NULL,         -- ok, denied, error
        detail TEXT NOT NULL DEFAULT '{}'  -- JSON object
    );
    CREATE INDEX audit_events_at ON audit_events (at);
    CREATE INDEX audit_events_event_at ON audit_events (event, at);
    CREATE INDEX audit_events_user_at ON audit_events (user_id, at);

    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,   -- sha256 of the token in the cookie; the token itself is never stored
        user_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        ip TEXT,
        user_agent TEXT
    );
    CREATE INDEX sessions_user ON sessions (user_id);

    CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY,
        scope TEXT NOT NULL,           -- user or ip
        key TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX login_failures_key_at ON login_failures (scope, key, at);
    """,
)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations `conn`'s database lacks; return its schema version afterwards.

    Safe to run from several processes at once: `BEGIN IMMEDIATE` serialises them and each
    re-reads the version under the lock.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"the app database has schema version {version}, newer than this code knows ({len(MIGRATIONS)})"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _statements(script: str) -> list[str]:
    # executescript() would commit our transaction; split on complete statements instead.
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]
