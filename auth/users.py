"""Users: a JSON file of accounts, read by the server and written by `python -m auth users ...`.

    {"users": [{"username": "ada", "role": "analyst", "tenants": ["t01"], "password_hash": "scrypt:...",
                "disabled": false, "demo": false, "created_at": "2026-11-22T10:00:00+00:00"}]}

The server re-reads the file when it changes, so a disabled user is refused on their next request.
Writes replace the file atomically under a lock, readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from queries.principal import ROLES, Principal

log = logging.getLogger(__name__)
PASSWORD_METHOD = "scrypt"  # werkzeug's default: scrypt, N=2^15, r=8, p=1
MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
_TENANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    tenants: tuple[str, ...] = ()
    password_hash: str = ""
    disabled: bool = False
    demo: bool = False  # seeded with a published password: refused in production
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        if not _USERNAME.match(self.username):
            raise UserError(f"invalid user name {self.username!r}: use 1-64 lower-case letters, digits, . _ @ -")
        if self.role not in ROLES:
            raise UserError(f"unknown role {self.role!r}; one of {', '.join(ROLES)}")
        bad = [t for t in self.tenants if not _TENANT_ID.match(t)]
        if bad:
            raise UserError(f"invalid tenant id {bad[0]!r}")
        if self.role != "admin" and not self.tenants:
            raise UserError(f"a {self.role} must belong to at least one tenant")

    def principal(self) -> Principal:
        """The identity the query layer scopes by: admins read every tenant, others their own."""
        tenants = None if self.role == "admin" else frozenset(self.tenants)
        return Principal(user_id=self.username, role=self.role, tenants=tenants)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def check_new_password(password: str) -> None:
    """Refuse a password too short to be safe (raises UserError)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def burn_password_check(password: str) -> None:
    """Spend the time of one password check, for an unknown user name (no timing oracle)."""
    check_password_hash(_dummy_hash(), password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password", method=PASSWORD_METHOD)


def normalise_username(name: str) -> str:
    return name.strip().lower()


class UserDirectory:
    """The users in one file. Reads are cached until the file changes (one stat per call)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int, int], dict[str, User]] | None = None
        self._broken: tuple[int, int, int] | None = None  # the stamp of a file that failed to parse

    def exists(self) -> bool:
        return self.path.is_file()

    def all(self) -> dict[str, User]:
        """Username -> user; empty when the file does not exist."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = self._cache
        if cached is not None and stamp in (cached[0], self._broken):
            return cached[1]
        with self._lock:
            try:
                users = _read(self.path)
            except UserError:
                if cached is None:
                    raise
                # A half-edited or broken file must not lock everyone out: keep the last good copy.
                log.exception("keeping the previous users; the users file is unreadable")
                self._broken = stamp
                return cached[1]
            self._cache = (stamp, users)
        return users

    def get(self, username: str) -> User | None:
        return self.all().get(normalise_username(username))

    def authenticate(self, username: str, password: str) -> tuple[User | None, str]:
        """Return `(user, "ok")` or `(None, reason)`; takes as long for an unknown name as for a known one."""
        user = self.get(username)
        if user is None:
            burn_password_check(password)
            return None, "unknown_user"
        if not user.check_password(password):
            return None, "bad_password"
        if user.disabled:
            return None, "disabled"
        return user, "ok"

    # --- writes (the CLI and demo seeding) ---------------------------------------------------

    def add(self, user: User) -> None:
        with self._editing() as users:
            if user.username in users:
                raise UserError(f"user {user.username!r} already exists")
            users[user.username] = user

    def update(self, username: str, **changes) -> User:
        with self._editing() as users:
            name = normalise_username(username)
            if name not in users:
                raise UserError(f"no user {name!r}")
            users[name] = replace(users[name], **changes)
            return users[name]

    @contextmanager
    def _editing(self) -> Iterator[dict[str, User]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time, across processes
            users = dict(_read(self.path)) if self.path.exists() else {}
            yield users
            _write(self.path, users)


def _read(path: Path) -> dict[str, User]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["users"]
        users = {}
        for entry in entries:
            entry = {**entry, "tenants": tuple(entry.get("tenants") or ())}
            user = User(**entry)
            users[user.username] = user
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UserError(f"cannot read the users file {path}: {err}") from None
    return users


def _write(path: Path, users: dict[str, User]) -> None:
    body = {"users": [{**asdict(u), "tenants": list(u.tenants)} for u in sorted(users.values(),
                                                                          key=lambda u: u.username)]}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(body, out, indent=2)
            out.write("\n")
        os.chmod(tmp, 0o600)  # password hashes: owner only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
