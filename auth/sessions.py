"""Server-side sessions: the cookie carries a random token, the database knows which are live.

Signing out deletes the row, so a copied cookie is useless afterwards; disabling a user or
changing their password ends all their sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from store import Database


class SessionStore:
    def __init__(self, db: Database, lifetime_seconds: int) -> None:
        self.db = db
        self.lifetime = lifetime_seconds

    def create(self, user_id: str, *, ip: str | None, user_agent: str | None) -> str:
        """Start a session for `user_id` and return its token (for the signed cookie)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        self.db.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip, user_agent) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (_hash(token), user_id, now, now + self.lifetime, ip, (user_agent or "")[:300]),
        )
        self.db.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        return token

    def user_id(self, token: str) -> str | None:
        """The user of a live session, or None for an unknown or expired token."""
        row = self.db.execute(
            "SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?", (_hash(token), time.time())
        ).fetchone()
        return row[0] if row else None

    def end(self, token: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash(token),))

    def end_all(self, user_id: str) -> int:
        """End every session of `user_id`; returns how many there were."""
        return self.db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
