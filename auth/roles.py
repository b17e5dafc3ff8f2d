"""What each role may do. The guard checks these on the server for every page and callback."""

from __future__ import annotations

# The permissions, in the product's words.
DASHBOARDS = "dashboards"
EXPLORE = "explore"
SQL_LAB = "sql_lab"
EXPORT = "export"
ALL_TENANTS = "all_tenants"
QUERY_HISTORY = "query_history"
AUDIT_LOG = "audit_log"
CACHE = "cache"
USERS = "users"
ADMIN = "admin"  # anything admin-only without a name of its own, e.g. a page that declares nothing

_VIEWER = frozenset({DASHBOARDS})
_ANALYST = _VIEWER | {EXPLORE, SQL_LAB, EXPORT}
_ADMIN = _ANALYST | {ALL_TENANTS, QUERY_HISTORY, AUDIT_LOG, CACHE, USERS, ADMIN}

PERMISSIONS: dict[str, frozenset[str]] = {"viewer": _VIEWER, "analyst": _ANALYST, "admin": _ADMIN}
ALL_PERMISSIONS: frozenset[str] = _ADMIN


def allows(role: str | None, permission: str) -> bool:
    """Whether `role` has `permission` (an unknown role has none)."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}; one of {sorted(ALL_PERMISSIONS)}")
    return permission in PERMISSIONS.get(role or "", frozenset())
