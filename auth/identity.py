"""Who is asking, inside a request, a callback or a background callback.

Background callbacks run in another process with no Flask request. The request that starts one
records the signed-in user's id in Dash's callback context (`custom_data["auth"]`, set on the
server, never taken from the browser); inside the job `current_principal()` and
`callback_principal()` re-load that user and check them again, so a user disabled meanwhile is
refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_request_context
from flask_login import current_user

from auth import roles
from auth.users import UserDirectory
from queries import Principal

F = TypeVar("F", bound=Callable[..., Any])
ANONYMOUS = Principal(user_id="anonymous", role="viewer", tenants=frozenset())
CONTEXT_KEY = "auth"


class PermissionDenied(Exception):
    """The user may not do this (unknown, disabled, or lacking the permission)."""


def current_principal() -> Principal:
    """The signed-in user's principal; ANONYMOUS (no tenant, no rows) when nobody is signed in."""
    user_id = _request_user_id() if has_request_context() else job_user_id()
    return principal_for(user_id) if user_id else ANONYMOUS


def callback_principal(permission: str | None = None) -> Principal:
    """Like `current_principal`, but refuses anonymous users and users without `permission`."""
    user_id = _request_user_id() if has_request_context() else job_user_id()
    if not user_id:
        raise PermissionDenied("sign in required")
    return principal_for(user_id, permission=permission)


def principal_for(user_id: str, *, permission: str | None = None) -> Principal:
    """Re-load `user_id` from the users file and check them again: enabled, and with `permission`."""
    user = _users().get(user_id)
    if user is None or user.disabled:
        raise PermissionDenied(f"user {user_id!r} is unknown or disabled")
    if permission is not None and not roles.allows(user.role, permission):
        raise PermissionDenied(f"a {user.role} may not use {permission}")
    return user.principal()


def requires(permission: str) -> Callable[[F], F]:
    """Declare (for the guard) and check again (when called) the permission a callback or route needs.

        @callback(Output("explore-grid", "rowData"), Input("explore-run", "n_clicks"))
        @requires(roles.EXPLORE)
        def run_query(n): ...
    """
    if permission not in roles.ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            callback_principal(permission)
            return func(*args, **kwargs)

        checked.required_permission = permission  # read by auth.access (Dash keeps it via functools.wraps)
        return checked  # type: ignore[return-value]

    return decorate


def job_user_id() -> str | None:
    """The user id the request that started this background callback recorded, if any."""
    from dash import callback_context
    from dash.exceptions import MissingCallbackContextException

    try:
        data = callback_context.custom_data
    except (LookupError, MissingCallbackContextException):  # not inside a Dash callback
        return None
    entry = data.get(CONTEXT_KEY) if isinstance(data, dict) else None
    return entry.get("user_id") if isinstance(entry, dict) else None


def request_identity(_context: Any) -> dict[str, str | None]:
    """Dash `custom_data` hook: runs in the request of every callback, background or not."""
    return {"user_id": _request_user_id()}


def _request_user_id() -> str | None:
    if "auth" not in current_app.extensions:  # a bare Flask app without sign-in (scripts, tests)
        return None
    return current_user.username if current_user.is_authenticated else None


_fallback_users: UserDirectory | None = None


def _users() -> UserDirectory:
    runtime = current_app.extensions.get("auth") if has_request_context() else None
    if runtime is not None:
        return runtime.users
    from auth import setup

    if setup.RUNTIME is not None:
        return setup.RUNTIME.users
    global _fallback_users
    if _fallback_users is None:
        from settings import get_settings

        _fallback_users = UserDirectory(get_settings().resolved_users_file)
    return _fallback_users
