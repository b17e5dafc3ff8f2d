"""Demo users for the embedded default, so a newcomer can sign in at once.

Their passwords are published (console and README); production refuses to start while they exist.
"""

from __future__ import annotations

import logging

from auth.users import User, UserDirectory, hash_password

log = logging.getLogger(__name__)

# username -> (role, tenants, password). Two tenants: the viewer sees one, the analyst both.
DEMO_USERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "viewer": ("viewer", ("t01",), "demo-viewer"),
    "analyst": ("analyst", ("t01", "t02"), "demo-analyst"),
    "admin": ("admin", (), "demo-admin"),
}


def seed(directory: UserDirectory) -> None:
    """Create the users file with the demo users (only when it does not exist yet)."""
    if directory.exists():
        return
    for username, (role, tenants, password) in DEMO_USERS.items():
        directory.add(User(username, role, tenants, hash_password(password), demo=True))
    log.warning("Created %s with the demo users.", directory.path)


def announce(directory: UserDirectory) -> None:
    """Print the demo users' sign-in details on the console, while they exist."""
    present = [u for u in directory.all().values() if u.demo and not u.disabled and u.username in DEMO_USERS]
    if not present:
        return
    lines = ["Demo users (development only; sign in at /login):"]
    for user in present:
        scope = "all tenants" if user.role == "admin" else "tenants " + ", ".join(user.tenants)
        lines.append(f"  {user.username:<8} password {DEMO_USERS[user.username][2]:<13} {user.role}, {scope}")
    log.warning("\n".join(lines))


def has_published_password(user: User) -> bool:
    """Whether `user` is a demo user or still has a demo user's published password."""
    if user.demo:
        return True
    demo = DEMO_USERS.get(user.username)
    return demo is not None and user.check_password(demo[2])
