"""The sign-in state of one app: its users, sessions, throttle, audit log and access rules."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import dash
from flask import has_request_context, request
from flask_login import current_user

from auth.access import Access
from auth.sessions import SessionStore
from auth.throttle import LoginThrottle
from auth.users import User, UserDirectory
from queries import QueryRecord
from store import AuditEvent, AuditLog

log = logging.getLogger(__name__)


@dataclass
class AuthRuntime:
    users: UserDirectory
    sessions: SessionStore
    throttle: LoginThrottle
    audit: AuditLog
    access: Access
    app_title: str
    prefix: str  # Dash's routes_pathname_prefix

    def record(self, event: str, *, user: User | None = None, user_id: str | None = None, outcome: str = "ok",
               **detail: Any) -> None:
        """Audit `event` for `user` (default: the signed-in user of this request)."""
        if user is None and user_id is None and has_request_context() and current_user.is_authenticated:
            user = current_user.user
        tenants = None
        if user is not None:
            user_id = user.username
            tenants = "*" if user.role == "admin" else ",".join(user.tenants)
        self.audit.record(AuditEvent(
            event, user_id=user_id, role=user.role if user else None, tenants=tenants,
            ip=request.remote_addr if has_request_context() else None, outcome=outcome, detail=detail,
        ))

    def on_query(self, record: QueryRecord) -> None:
        """QueryService listener: every query, named or ad hoc, cached or not."""
        self.audit.record(AuditEvent(
            "query", user_id=record.user_id, role=record.role, tenants=record.tenants,
            ip=request.remote_addr if has_request_context() else None,
            outcome="ok" if record.status == "ok" else "error",
            detail={
                "source": record.source, "name": record.name, "sql_hash": record.sql_hash,
                "duration_ms": round(record.duration_ms, 1), "rows": record.rows, "cache_hit": record.cache_hit,
                "engine": record.engine, "query_id": record.query_id, "error": record.error,
            },
        ))



def app_prefix(app: dash.Dash) -> str:
    return app.config.routes_pathname_prefix or "/"
