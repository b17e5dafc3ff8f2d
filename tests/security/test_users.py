"""Users: the CLI, the users file, and what disabling or re-keying a user does to their sessions."""

from __future__ import annotations

import json
import re
import stat

import pytest
import requests

from auth.users import User, UserDirectory, UserError, hash_password
from store import AuditLog, Database
from tests.security.helpers import users_cli


def test_sec080_cli_adds_lists_changes_and_disables_users(tmp_path):
    assert users_cli(tmp_path, "add", "Ada", "--role", "analyst", "--tenant", "t01", "--tenant", "t02",
                     password="correct horse battery").returncode == 0
    assert users_cli(tmp_path, "add", "root", "--role", "admin", password="another long password").returncode == 0
    listing = users_cli(tmp_path, "list").stdout
    assert re.search(r"^ada\s+analyst\s+t01,t02\s+active$", listing, re.M)
    assert re.search(r"^root\s+admin\s+\*\s+active$", listing, re.M)

    users_file = tmp_path / "users.json"
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    entry = json.loads(users_file.read_text())["users"][0]
    assert entry["password_hash"].startswith("scrypt:") and "correct horse" not in users_file.read_text()

    before = entry["password_hash"]
    assert users_cli(tmp_path, "set-password", "ada", password="a new long password").returncode == 0
    ada = UserDirectory(users_file).get("ada")
    assert ada.password_hash != before and ada.check_password("a new long password")
    assert users_cli(tmp_path, "disable", "ada").returncode == 0
    assert re.search(r"^ada\s+analyst\s+t01,t02\s+disabled$", users_cli(tmp_path, "list").stdout, re.M)

    actions = [e.detail["action"] for e in reversed(AuditLog(Database(tmp_path / "app.db")).search(events=("admin",)))]
    assert actions == ["users.add", "users.add", "users.set_password", "users.disable"]


@pytest.mark.parametrize(("args", "password", "message"), [
    (("add", "bob", "--role", "viewer", "--tenant", "t01"), "short", "at least 12 characters"),
    (("add", "bob", "--role", "viewer"), "long enough password", "at least one tenant"),
    (("add", "bob", "--role", "viewer", "--tenant", "t01;drop"), "long enough password", "invalid tenant id"),
    (("add", "Bad Name!", "--role", "viewer", "--tenant", "t01"), "long enough password", "invalid user name"),
    (("disable", "nobody"), None, "no user 'nobody'"),
    (("set-password", "nobody"), "long enough password", "no user 'nobody'"),
])
def test_sec081_cli_refuses_bad_input_with_a_clear_message(tmp_path, args, password, message):
    result = users_cli(tmp_path, *args, password=password)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_sec082_cli_refuses_duplicates_and_unknown_roles(tmp_path):
    assert users_cli(tmp_path, "add", "bob", "--role", "viewer", "--tenant", "t01",
                     password="long enough password").returncode == 0
    again = users_cli(tmp_path, "add", "BOB", "--role", "viewer", "--tenant", "t01", password="long enough password")
    assert again.returncode == 2 and "already exists" in again.stderr
    role = users_cli(tmp_path, "add", "eve", "--role", "owner", password="long enough password")
    assert role.returncode == 2 and "invalid choice: 'owner'" in role.stderr


def _sign_in(app, username: str, password: str) -> requests.Session:
    from tests.security.test_login import Client

    client = Client(app)
    assert client.sign_in(username, password).status_code == 302
    return client.session


def test_sec083_disabling_a_user_locks_them_out_at_once(private_app):
    assert users_cli(private_app.work, "add", "dora", "--role", "analyst", "--tenant", "t02",
                     password="dora-password-1").returncode == 0
    session = _sign_in(private_app, "dora", "dora-password-1")
    assert session.get(private_app.url + "/_dash-layout", timeout=10).status_code == 200
    result = users_cli(private_app.work, "disable", "dora")
    assert "ended 1 session(s)" in result.stdout
    assert session.get(private_app.url + "/_dash-layout", timeout=10).status_code == 401
    from tests.security.test_login import Client

    answer = Client(private_app).sign_in("dora", "dora-password-1")
    assert answer.status_code == 401 and "This account is disabled" in answer.text


def test_sec084_a_new_password_ends_the_old_sessions(private_app):
    assert users_cli(private_app.work, "add", "pete", "--role", "viewer", "--tenant", "t04",
                     password="pete-password-1").returncode == 0
    session = _sign_in(private_app, "pete", "pete-password-1")
    users_cli(private_app.work, "set-password", "pete", password="pete-password-2")
    assert session.get(private_app.url + "/_dash-layout", timeout=10).status_code == 401
    _sign_in(private_app, "pete", "pete-password-2")


def test_sec085_a_broken_users_file_keeps_the_last_good_copy(tmp_path):
    directory = UserDirectory(tmp_path / "users.json")
    directory.add(User("ada", "admin", (), hash_password("x" * 12)))
    assert directory.get("ada") is not None
    (tmp_path / "users.json").write_text('{"users": [{"username": "ada", "role": "adm')
    assert directory.get("ada") is not None  # still served from the last good read
    with pytest.raises(UserError, match="cannot read the users file"):
        UserDirectory(tmp_path / "users.json").all()  # a fresh reader has nothing to fall back to


def test_sec086_users_map_to_principals():
    viewer = User("v", "viewer", ("t01",)).principal()
    admin = User("a", "admin", ()).principal()
    assert (viewer.role, viewer.tenants, admin.tenants) == ("viewer", frozenset({"t01"}), None)
    with pytest.raises(UserError):
        User("x", "analyst", ())
