"""Sign-in, roles and the request guard.

    auth.init_app(app, settings)        # in create_app(): every route behind the guard
    auth.current_principal()            # who is asking (in a request or a background callback)
    auth.callback_principal("export")   # the same, refusing users without the permission
    auth.principal_for(user_id)         # re-load and re-check a user by id
    auth.can(principal, "export")       # whether a principal's role has a permission
    auth.may_open(page)                 # whether the signed-in user may open a registered page
    @auth.requires(auth.roles.EXPORT)   # a callback's or route's permission, declared and checked
    auth.audit_event("export", rows=n)  # an audit event for the signed-in user

Users are managed with `python -m auth users add|set-password|disable|list`.
"""

from __future__ import annotations

from typing import Any

from auth import roles
from auth.access import page_permission
from auth.identity import (
    ANONYMOUS,
    PermissionDenied,
    callback_principal,
    current_principal,
    principal_for,
    requires,
)
from auth.roles import allows
from auth.setup import init_app
from queries import Principal

__all__ = [
    "ANONYMOUS",
    "PermissionDenied",
    "audit_event",
    "callback_principal",
    "can",
    "current_principal",
    "init_app",
    "may_open",
    "principal_for",
    "requires",
    "roles",
]


def can(principal: Principal, permission: str) -> bool:
    """Whether `principal`'s role has `permission` (see `auth.roles`)."""
    return allows(principal.role, permission)


def may_open(page: dict) -> bool:
    """Whether the signed-in user may open `page` (an entry of dash.page_registry), e.g. to leave
    links to forbidden pages out of the navigation. The guard enforces it either way."""
    return can(current_principal(), page_permission(page))


def audit_event(event: str, *, outcome: str = "ok", **detail: Any) -> None:
    """Record an audit event (e.g. "export", "admin") for the user of this request or job."""
    from flask import current_app, has_request_context

    from auth import setup

    runtime = current_app.extensions.get("auth") if has_request_context() else setup.RUNTIME
    if runtime is None:
        raise RuntimeError("auth.init_app() has not run in this process")
    user = None
    principal = current_principal()
    if principal is not ANONYMOUS:
        user = runtime.users.get(principal.user_id)
    runtime.record(event, user=user, outcome=outcome, **detail)
