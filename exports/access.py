"""Who may export, and the audit trail of every export. The one place both rules live."""

from __future__ import annotations

import auth
from queries.principal import Principal


def may_export(principal: Principal) -> bool:
    """Analysts and admins may export; viewers may not (auth.roles grants EXPORT)."""
    return auth.can(principal, auth.roles.EXPORT)


def audit_export(principal: Principal, *, surface: str, target: str, fmt: str, rows: int, allowed: bool,
                 sql_hash: str = "") -> None:
    """One audit event per export attempt, granted or refused (the audit log and its JSON line)."""
    auth.audit_event("export", outcome="ok" if allowed else "denied", surface=surface, target=target,
                     format=fmt, rows=rows, sql_hash=sql_hash, role=principal.role)
