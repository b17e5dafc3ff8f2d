"""The app's own SQLite database: connection handling, schema migrations, and the audit log.

    db = Database(path)          # opens (and migrates) on first use, WAL mode, one connection per thread
    AuditLog(db).record(...)     # one audit event, also written as a JSON line to the "audit" logger

The process-wide database follows the settings (`APP_DB`, default `$VAR_DIR/app.db`).
"""

from store.audit import AuditEvent, AuditLog
from store.db import Database, get_database, set_database

__all__ = ["AuditEvent", "AuditLog", "Database", "get_database", "set_database"]
