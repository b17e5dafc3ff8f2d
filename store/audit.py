"""The audit log: who signed in, opened what, ran which query, exported or changed what.

Each event is a row in the app database and a JSON line on the `audit` logger, so it reaches
both the Audit page and whatever collects the process logs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from store.db import Database

json_log = logging.getLogger("audit")

EVENTS = ("sign_in", "sign_in_failed", "sign_out", "page_view", "access_denied", "query", "export", "admin")
OUTCOMES = ("ok", "denied", "error")


@dataclass(frozen=True)
class AuditEvent:
    event: str
    user_id: str | None = None
    role: str | None = None
    tenants: str | None = None  # comma-separated, or "*" for every tenant
    ip: str | None = None
    outcome: str = "ok"
    detail: dict[str, Any] = field(default_factory=dict)
    at: str = ""  # ISO 8601 UTC; filled in when recorded

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"unknown audit event {self.event!r}; one of {EVENTS}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown audit outcome {self.outcome!r}; one of {OUTCOMES}")


_FIELDS = tuple(f.name for f in fields(AuditEvent))


class AuditLog:
    """Writes and searches audit events in `db`.

    >>> import tempfile, pathlib
    >>> log = AuditLog(Database(pathlib.Path(tempfile.mkdtemp()) / "app.db"))
    >>> log.record(AuditEvent("sign_in", user_id="ada", ip="127.0.0.1"))
    >>> [e.user_id for e in log.search(events=("sign_in",))]
    ['ada']
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, event: AuditEvent) -> None:
        at = event.at or dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        detail = json.dumps(event.detail, default=str, sort_keys=True)
        self.db.execute(
            "INSERT INTO audit_events (at, event, user_id, role, tenants, ip, outcome, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, event.event, event.user_id, event.role, event.tenants, event.ip, event.outcome, detail),
        )
        if json_log.isEnabledFor(logging.INFO):
            # A shallow dict, not asdict()'s deep copy: an event is written for every query, cache
            # hits included, so this is on the hot path of every callback.
            line = {name: getattr(event, name) for name in _FIELDS}
            json_log.info(json.dumps({**line, "at": at}, default=str, sort_keys=True))

    def search(
        self,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        events: tuple[str, ...] = (),
        users: tuple[str, ...] = (),
        outcomes: tuple[str, ...] = (),
        limit: int = 1000,
    ) -> list[AuditEvent]:
        """Newest first. `start`/`end` are inclusive UTC days; empty tuples mean "all"."""
        where, params = self._where(start, end, events, users, outcomes)
        rows = self.db.execute(
            f"SELECT at, event, user_id, role, tenants, ip, outcome, detail FROM audit_events {where} "
            "ORDER BY at DESC, id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [
            AuditEvent(row["event"], row["user_id"], row["role"], row["tenants"], row["ip"], row["outcome"],
                       json.loads(row["detail"]), row["at"])
            for row in rows
        ]

    def count(self, **filters: Any) -> int:
        """How many events `search` would find without its limit."""
        where, params = self._where(filters.get("start"), filters.get("end"), filters.get("events", ()),
                                    filters.get("users", ()), filters.get("outcomes", ()))
        return self.db.execute(f"SELECT count(*) FROM audit_events {where}", params).fetchone()[0]

    def users(self) -> list[str]:
        """Every user id that appears in the log, for the Audit page's filter."""
        rows = self.db.execute(
            "SELECT DISTINCT user_id FROM audit_events WHERE user_id IS NOT NULL ORDER BY user_id"
        ).fetchall()
        return [row[0] for row in rows]

    @staticmethod
    def _where(start, end, events, users, outcomes) -> tuple[str, list]:
        clauses, params = [], []
        if start is not None:
            clauses.append("at >= ?")
            params.append(start.isoformat())
        if end is not None:
            clauses.append("at < ?")
            params.append((end + dt.timedelta(days=1)).isoformat())
        for column, values in (("event", events), ("user_id", users), ("outcome", outcomes)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def configure_json_log(path: Path | None = None) -> None:
    """Send the `audit` logger's JSON lines to `path` (appended) or to stderr, one object a line."""
    for handler in list(json_log.handlers):
        json_log.removeHandler(handler)
        handler.close()
    handler: logging.Handler
    if path is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    json_log.addHandler(handler)
    json_log.setLevel(logging.INFO)
    json_log.propagate = False  # the line is already complete JSON; the root format would wrap it
