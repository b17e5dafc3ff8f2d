"""Sign-in throttling: too many failures for one user name or one address within a window -> 429.

Failures are counted in the app database, so every worker process (and a restart) sees the same
count; an in-memory limiter would multiply the limit by the number of workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from store import Database


@dataclass(frozen=True)
class Limits:
    per_user: int = 5
    per_ip: int = 20
    window_seconds: int = 900


class LoginThrottle:
    def __init__(self, db: Database, limits: Limits) -> None:
        self.db = db
        self.limits = limits

    def retry_after(self, username: str, ip: str) -> int:
        """Seconds until another attempt is allowed; 0 when it is allowed now."""
        now = time.time()
        waits = [
            self._wait(scope, key, limit, now)
            for scope, key, limit in (("user", username, self.limits.per_user), ("ip", ip, self.limits.per_ip))
        ]
        return max(waits)

    def _wait(self, scope: str, key: str, limit: int, now: float) -> int:
        rows = self.db.execute(
            "SELECT at FROM login_failures WHERE scope = ? AND key = ? AND at > ? ORDER BY at DESC LIMIT ?",
            (scope, key, now - self.limits.window_seconds, limit),
        ).fetchall()
        if len(rows) < limit:
            return 0
        # The oldest of the last `limit` failures must age out of the window first.
        return max(1, int(rows[-1][0] + self.limits.window_seconds - now) + 1)

    def failed(self, username: str, ip: str) -> None:
        now = time.time()
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO login_failures (scope, key, at) VALUES (?, ?, ?)",
                [("user", username, now), ("ip", ip, now)],
            )
            conn.execute("DELETE FROM login_failures WHERE at < ?", (now - self.limits.window_seconds,))

    def succeeded(self, username: str) -> None:
        """Forget the user name's failures (the address's stay: one good account must not unlock it)."""
        self.db.execute("DELETE FROM login_failures WHERE scope = 'user' AND key = ?", (username,))
