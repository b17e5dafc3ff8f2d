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
    # 2: query history, saved queries with versions, favourites
    """
    CREATE TABLE query_history (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,              -- ISO 8601 UTC
        user_id TEXT NOT NULL,
        role TEXT NOT NULL,
        tenants TEXT NOT NULL,         -- comma-separated, or * for all
        source TEXT NOT NULL,          -- page, explore, sql
        name TEXT NOT NULL,            -- the named query, or "sql" for ad hoc SQL
        sql_text TEXT NOT NULL,        -- the statement as the user wrote it (ad hoc) or the query name
        sql_hash TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        rows INTEGER NOT NULL,
        bytes_scanned INTEGER,
        cost_usd REAL,
        cache_hit INTEGER NOT NULL,
        status TEXT NOT NULL,          -- ok, error
        state TEXT,                    -- the engine's SUCCEEDED, FAILED, CANCELLED
        engine TEXT NOT NULL,
        query_id TEXT,
        error TEXT
    );
    CREATE INDEX query_history_at ON query_history (at);
    CREATE INDEX query_history_user_at ON query_history (user_id, at);

    CREATE TABLE saved_queries (
        id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        owner_tenants TEXT NOT NULL,   -- the owner's tenants when last saved (* for all): "my tenant" sharing
        kind TEXT NOT NULL,            -- explore or sql
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',        -- JSON list
        visibility TEXT NOT NULL,      -- private, tenant, everyone
        body TEXT NOT NULL,            -- the current version's Explore state (JSON) or SQL
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX saved_queries_owner ON saved_queries (owner);

    CREATE TABLE saved_query_versions (
        query_id INTEGER NOT NULL REFERENCES saved_queries (id),
        version INTEGER NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        tags TEXT NOT NULL,
        visibility TEXT NOT NULL,
        body TEXT NOT NULL,
        saved_by TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (query_id, version)
    );

    CREATE TABLE favourites (
        user_id TEXT NOT NULL,
        query_id INTEGER NOT NULL REFERENCES saved_queries (id),
        PRIMARY KEY (user_id, query_id)
    );
    """,
    # 3: per-user preferences (the theme), so they follow the user to any browser
    """
    CREATE TABLE user_preferences (
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,      -- ISO 8601 UTC
        PRIMARY KEY (user_id, name)
    );
    """,
    # 4: the dashboard page that asked for each run (cost per page)
    """
    ALTER TABLE query_history ADD COLUMN page TEXT;
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
