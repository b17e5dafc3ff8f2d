"""Manage users: `python -m auth users add|set-password|disable|list`.

    python -m auth users add ada --role analyst --tenant t01 --tenant t02
    python -m auth users set-password ada
    python -m auth users disable ada
    python -m auth users list

Passwords are read from the terminal (twice), or from standard input with --password-stdin.
The users file and app database come from the settings (USERS_FILE, APP_DB, VAR_DIR). Every
change is written to the audit log as an admin action, and set-password and disable end the
user's sessions at once.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import replace

from auth.sessions import SessionStore
from auth.users import User, UserDirectory, UserError, check_new_password, hash_password, normalise_username
from queries.principal import ROLES
from settings import get_settings
from store import AuditEvent, AuditLog, Database


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = get_settings()
    users = UserDirectory(settings.resolved_users_file)
    db = Database(settings.resolved_app_db)
    try:
        return args.run(args, users, db)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _add(args, users: UserDirectory, db: Database) -> int:
    user = User(normalise_username(args.username), args.role, tuple(args.tenant or ()))  # checked before asking
    if users.get(user.username) is not None:
        raise UserError(f"user {user.username!r} already exists")
    user = replace(user, password_hash=hash_password(_new_password(args.password_stdin)))
    users.add(user)
    _audit(db, "users.add", user.username, role=user.role, tenants=",".join(user.tenants) or "*")
    print(f"Added {user.username} ({user.role}).")
    return 0


def _set_password(args, users: UserDirectory, db: Database) -> int:
    name = normalise_username(args.username)
    if users.get(name) is None:
        raise UserError(f"no user {name!r}")
    users.update(name, password_hash=hash_password(_new_password(args.password_stdin)), demo=False)
    ended = SessionStore(db, 0).end_all(name)
    _audit(db, "users.set_password", name, sessions_ended=ended)
    print(f"Changed the password of {name}; ended {ended} session(s).")
    return 0


def _disable(args, users: UserDirectory, db: Database) -> int:
    name = normalise_username(args.username)
    users.update(name, disabled=True)
    ended = SessionStore(db, 0).end_all(name)
    _audit(db, "users.disable", name, sessions_ended=ended)
    print(f"Disabled {name}; ended {ended} session(s).")
    return 0


def _list(_args, users: UserDirectory, _db: Database) -> int:
    rows = [("user", "role", "tenants", "state")]
    for user in sorted(users.all().values(), key=lambda u: u.username):
        state = "disabled" if user.disabled else ("demo" if user.demo else "active")
        rows.append((user.username, user.role, ",".join(user.tenants) or "*", state))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != password:
            raise UserError("the two passwords differ")
    check_new_password(password)
    return password


def _audit(db: Database, action: str, target: str, **detail) -> None:
    actor = f"cli:{_os_user()}"
    AuditLog(db).record(AuditEvent("admin", user_id=actor, detail={"action": action, "target": target, **detail}))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m auth", description="Manage the app's users.")
    commands = parser.add_subparsers(dest="group", required=True)
    users = commands.add_parser("users", help="add, change, disable or list users").add_subparsers(
        dest="command", required=True)

    add = users.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--tenant", action="append", metavar="TENANT_ID",
                     help="a tenant the user belongs to (repeat for several; not for admins)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=_add)

    set_password = users.add_parser("set-password", help="change a user's password")
    set_password.add_argument("username")
    set_password.add_argument("--password-stdin", action="store_true")
    set_password.set_defaults(run=_set_password)

    disable = users.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("username")
    disable.set_defaults(run=_disable)

    users.add_parser("list", help="list the users").set_defaults(run=_list)
    return parser


if __name__ == "__main__":
    sys.exit(main())
