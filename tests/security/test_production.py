"""APP_ENV=production refuses to start with the default keys, demo users or insecure cookies."""

from __future__ import annotations

import os
import subprocess
import sys

from auth.production import problems
from auth.users import User, UserDirectory, hash_password
from settings import Settings
from tests.conftest import ROOT

SAFE = {"app_env": "production", "secret_key": "s" * 48, "masking_key": "m" * 48, "session_cookie_secure": True}


def test_sec090_every_unsafe_default_is_named(tmp_path):
    users = UserDirectory(tmp_path / "users.json")
    users.add(User("viewer", "viewer", ("t01",), hash_password("demo-viewer"), demo=True))
    found = problems(Settings(app_env="production", var_dir=tmp_path), users)
    assert [p.split(" ")[0] for p in found] == ["SECRET_KEY", "MASKING_KEY", "SESSION_COOKIE_SECURE", "the"]
    assert "viewer" in found[3]


def test_sec091_safe_settings_and_real_users_pass(tmp_path):
    users = UserDirectory(tmp_path / "users.json")
    users.add(User("ops", "admin", (), hash_password("a long random password")))
    users.add(User("viewer", "viewer", ("t01",), hash_password("demo-viewer"), demo=True, disabled=True))
    assert problems(Settings(var_dir=tmp_path, **SAFE), users) == []


def test_sec092_a_published_demo_password_is_caught_without_the_demo_flag(tmp_path):
    users = UserDirectory(tmp_path / "users.json")
    users.add(User("admin", "admin", (), hash_password("demo-admin")))
    assert "admin" in problems(Settings(var_dir=tmp_path, **SAFE), users)[0]


def test_sec093_the_app_refuses_to_start_in_production_with_a_clear_message(demo_data, tmp_path):
    env = {**os.environ, "APP_ENV": "production", "DATA_DIR": str(demo_data), "VAR_DIR": str(tmp_path),
           "PORT": "1"}
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert "Refusing to start with APP_ENV=production" in result.stderr
    assert "SECRET_KEY" in result.stderr and "SESSION_COOKIE_SECURE" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "users.json").exists()  # production never seeds demo users
