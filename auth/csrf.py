"""CSRF tokens for the app's own HTML forms (sign-in, sign-out): one random token per session."""

from __future__ import annotations

import hmac
import secrets

from flask import session

FIELD = "csrf_token"
_KEY = "_csrf"


def token() -> str:
    """The session's token, created on first use."""
    if _KEY not in session:
        session[_KEY] = secrets.token_urlsafe(32)
    return session[_KEY]


def valid(submitted: str | None) -> bool:
    """Whether `submitted` is this session's token (constant-time comparison)."""
    expected = session.get(_KEY)
    return bool(expected and submitted) and hmac.compare_digest(str(expected), str(submitted))
