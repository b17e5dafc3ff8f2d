"""SQLite connections for the app database: one per thread and process, WAL mode, migrated on open."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.migrations import migrate

BUSY_TIMEOUT_MS = 5000


class Database:
    """The app database at `path`. Thread-safe: each thread (and forked process) gets its own connection.

    >>> import tempfile, pathlib
    >>> db = Database(pathlib.Path(tempfile.mkdtemp()) / "app.db")
    >>> db.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    0
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._migrated = False
        self._migrate_lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        # A connection must not cross a fork (gunicorn workers, background callback processes).
        if conn is None or self._local.pid != os.getpid():
            conn = self._connect()
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: each statement commits at once unless `transaction()` groups them.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; WAL keeps it consistent
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not self._migrated:
            with self._migrate_lock:
                if not self._migrated:
                    migrate(conn)
                    self._migrated = True
        return conn

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        """Run one statement (committed at once) and return its cursor."""
        return self.connection().execute(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group statements; `BEGIN IMMEDIATE` takes the write lock up front, so no upgrade deadlock."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (tests; a server keeps its connections)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


_database: Database | None = None
_database_lock = threading.Lock()


def get_database() -> Database:
    """The process-wide app database from settings (opened lazily, never at import time)."""
    global _database
    if _database is None:
        with _database_lock:
            if _database is None:
                from settings import get_settings

                _database = Database(get_settings().resolved_app_db)
    return _database


def set_database(database: Database | None) -> None:
    """Install the app database (app start-up and tests); None resets to lazy construction."""
    global _database
    _database = database
