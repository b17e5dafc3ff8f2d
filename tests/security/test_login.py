"""Sign-in and sign-out over real HTTP: throttling, redirects, CSRF, session end, audit lines."""

from __future__ import annotations

import itertools
import json
import re

import pytest
import requests

from auth.redirects import safe_next
from tests.security.helpers import users_cli

_addresses = (f"10.9.{n // 250}.{n % 250 + 1}" for n in itertools.count())


class Client:
    """A browser stand-in with its own cookie jar and client address (the app trusts one proxy hop)."""

    def __init__(self, app) -> None:
        self.url = app.url
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = next(_addresses)

    def token(self, path: str = "/login") -> str:
        page = self.session.get(self.url + path, timeout=10).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def sign_in(self, username: str, password: str, *, next_path: str | None = None, token: str | None = None,
                with_token: bool = True) -> requests.Response:
        data = {"username": username, "password": password}
        if with_token:
            data["csrf_token"] = token or self.token()
        if next_path is not None:
            data["next"] = next_path
        return self.session.post(self.url + "/login", data=data, allow_redirects=False, timeout=10)

    def signed_in(self) -> bool:
        return self.session.get(self.url + "/_dash-layout", timeout=10).status_code == 200


def test_sec060_repeated_failures_for_one_user_answer_429(private_app):
    assert users_cli(private_app.work, "add", "tess", "--role", "viewer", "--tenant", "t03",
                     password="tess-password-1").returncode == 0
    client = Client(private_app)
    for _ in range(3):
        assert client.sign_in("tess", "wrong password").status_code == 401
    throttled = client.sign_in("tess", "tess-password-1")  # even the right password now waits
    assert throttled.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in throttled.text
    assert 0 < int(throttled.headers["Retry-After"]) <= 900
    assert not client.signed_in()
    # Another user from the same address is not held up by this user's failures.
    assert client.sign_in("analyst", "demo-analyst").status_code == 302


def test_sec061_repeated_failures_from_one_address_answer_429(private_app):
    client = Client(private_app)
    for n in range(8):
        assert client.sign_in(f"nobody{n}", "wrong password").status_code == 401
    assert client.sign_in("admin", "demo-admin").status_code == 429
    assert Client(private_app).sign_in("admin", "demo-admin").status_code == 302  # another address


def test_sec062_wrong_password_and_unknown_user_get_the_same_answer(private_app):
    client = Client(private_app)
    wrong, unknown = client.sign_in("admin", "not it"), client.sign_in("mallory", "not it")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.text and "Wrong user name or password." in unknown.text
    assert client.sign_in("", "").status_code == 400


@pytest.mark.parametrize(("target", "landing"), [
    ("/audit?event=sign_in", "/audit?event=sign_in"),
    ("//evil.example/", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),  # stays a local path, percent-encoded
    ("", "/"),
])
def test_sec063_next_accepts_local_paths_only(private_app, target, landing):
    answer = Client(private_app).sign_in("admin", "demo-admin", next_path=target)
    assert answer.status_code == 302
    assert answer.headers["Location"] == landing


def test_sec064_a_signed_in_user_is_not_sent_off_site_either(private_app):
    client = Client(private_app)
    client.sign_in("viewer", "demo-viewer")
    answer = client.session.get(private_app.url + "/login?next=//evil.example", allow_redirects=False, timeout=10)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/")


def test_sec065_sign_in_without_a_valid_csrf_token_is_refused(private_app):
    client = Client(private_app)
    missing = client.sign_in("admin", "demo-admin", with_token=False)
    wrong = client.sign_in("admin", "demo-admin", token="forged")
    other = client.sign_in("admin", "demo-admin", token=Client(private_app).token())  # another session's
    for answer in (missing, wrong, other):
        assert answer.status_code == 400
        assert "This form expired or was not sent by this site" in answer.text
    assert not client.signed_in()


def test_sec066_sign_out_ends_the_session_for_good(private_app):
    client = Client(private_app)
    assert client.sign_in("analyst", "demo-analyst").status_code == 302
    stolen = client.session.cookies.get("session")
    assert client.signed_in()
    # A page elsewhere cannot sign the user out: it gets the confirmation form instead.
    confirm = client.session.get(private_app.url + "/logout", headers={"Sec-Fetch-Site": "cross-site"}, timeout=10)
    assert confirm.status_code == 200 and 'action="/logout"' in confirm.text and client.signed_in()
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)
    out = client.session.post(private_app.url + "/logout", data={"csrf_token": token}, allow_redirects=False,
                              timeout=10)
    assert (out.status_code, out.headers["Location"]) == (302, "/login?signed_out=1")
    assert not client.signed_in()
    replay = requests.get(private_app.url + "/_dash-layout", cookies={"session": stolen}, timeout=10)
    assert replay.status_code == 401  # the old cookie is dead on the server, not just forgotten
    assert "You have signed out." in client.session.get(private_app.url + "/login?signed_out=1", timeout=10).text


def test_sec067_a_link_from_our_own_pages_signs_out_at_once(private_app):
    client = Client(private_app)
    client.sign_in("viewer", "demo-viewer")
    out = client.session.get(private_app.url + "/logout", headers={"Sec-Fetch-Site": "same-origin"},
                             allow_redirects=False, timeout=10)
    assert out.status_code == 302 and not client.signed_in()


def test_sec068_sign_ins_and_failures_reach_the_json_lines_log(private_app):
    client = Client(private_app)
    client.sign_in("admin", "nope")
    client.sign_in("admin", "demo-admin")
    lines = [json.loads(line) for line in (private_app.work / "audit.jsonl").read_text().splitlines()]
    mine = [e for e in lines if e["ip"] == client.session.headers["X-Forwarded-For"]]
    assert [(e["event"], e["outcome"]) for e in mine[:2]] == [("sign_in_failed", "denied"), ("sign_in", "ok")]
    assert mine[0]["detail"] == {"reason": "bad_password"} and mine[1]["role"] == "admin"


@pytest.mark.parametrize(("target", "expected"), [
    ("/", "/"), ("/tenants?range=7d", "/tenants?range=7d"), (None, "/"), ("audit", "/"), ("//x", "/"),
    ("/\\x", "/"), ("http://x/", "/"), ("/login?next=/", "/"), ("/logout", "/"), ("/a\tb", "/"), ("/" * 3000, "/"),
])
def test_sec069_safe_next(target, expected):
    assert safe_next(target) == expected
