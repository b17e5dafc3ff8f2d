"""Per-user preferences, kept in the app database so they follow the user to any browser."""

from __future__ import annotations

import datetime as dt

from store.db import Database

# Each preference and the values it may take: anything else is refused, never stored.
CHOICES: dict[str, tuple[str, ...]] = {"theme": ("light", "dark")}


class Preferences:
    """Reads and writes `user_preferences`.

    >>> import tempfile, pathlib
    >>> prefs = Preferences(Database(pathlib.Path(tempfile.mkdtemp()) / "app.db"))
    >>> prefs.get("ana", "theme") is None
    True
    >>> prefs.set("ana", "theme", "dark"); prefs.get("ana", "theme")
    'dark'
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, user_id: str, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM user_preferences WHERE user_id = ? AND name = ?",
                              (user_id, name)).fetchone()
        return row[0] if row and row[0] in CHOICES.get(name, ()) else None

    def set(self, user_id: str, name: str, value: str) -> None:
        """Raises ValueError for an unknown preference or value."""
        if value not in CHOICES.get(name, ()):
            raise ValueError(f"{name!r} cannot be {str(value)[:20]!r}")
        self.db.execute(
            "INSERT INTO user_preferences (user_id, name, value, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (user_id, name, value, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
