"""/login and /logout: plain Flask routes with flask-login, CSRF tokens and throttling."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from auth import csrf
from auth.redirects import safe_next
from auth.users import User, normalise_username

bp = Blueprint("auth", __name__, template_folder="templates")
_MAX_USERNAME = 64
_MAX_PASSWORD = 1024


class SessionUser(UserMixin):
    """The signed-in user of one server-side session (flask-login's user object)."""

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self.token = token

    def get_id(self) -> str:
        return self.token  # what flask-login keeps in the signed cookie

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def role(self) -> str:
        return self.user.role


def install(server, runtime) -> None:
    """Set up flask-login on `server`: the session cookie's token is looked up server-side."""
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)

    @manager.user_loader
    def load(token: str) -> SessionUser | None:
        user_id = runtime.sessions.user_id(token)
        user = runtime.users.get(user_id) if user_id else None
        if user is None or user.disabled:
            if user_id:
                runtime.sessions.end(token)
            return None
        return SessionUser(user, token)

    server.register_blueprint(bp)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target)
        notice = "You have signed out." if request.args.get("signed_out") else None
        return _form(target, notice=notice)
    return _sign_in(target)


def _sign_in(target: str) -> Response:
    runtime = current_app.extensions["auth"]
    if not csrf.valid(request.form.get(csrf.FIELD)):
        return _form(target, error="This form expired or was not sent by this site. Please sign in again.",
                     status=400)
    username = normalise_username(request.form.get("username", ""))[:_MAX_USERNAME]
    password = request.form.get("password", "")
    if not username or not password or len(password) > _MAX_PASSWORD:
        return _form(target, username=username, error="Enter your user name and password.", status=400)
    ip = request.remote_addr or "unknown"
    wait = runtime.throttle.retry_after(username, ip)
    if wait:
        runtime.record("sign_in_failed", user_id=username, outcome="denied", reason="throttled")
        minutes = -(-wait // 60)
        response = _form(target, username=username, status=429, error=(
            f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."))
        response.headers["Retry-After"] = str(wait)
        return response
    user, reason = runtime.users.authenticate(username, password)
    if user is None:
        runtime.throttle.failed(username, ip)
        runtime.record("sign_in_failed", user_id=username, outcome="denied", reason=reason)
        message = ("This account is disabled; ask an admin." if reason == "disabled"
                   else "Wrong user name or password.")
        return _form(target, username=username, error=message, status=401)
    runtime.throttle.succeeded(username)
    session.clear()  # a fresh session at sign-in: nothing from before it carries over
    token = runtime.sessions.create(user.username, ip=ip, user_agent=request.user_agent.string)
    session.permanent = True
    login_user(SessionUser(user, token))
    runtime.record("sign_in", user=user)
    return redirect(target)


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Dash's icon, for browsers that ask for /favicon.ico. It must be open: behind the guard, the
    request would be redirected to /login, and that render could hand the browser a new session
    (and CSRF token) while the sign-in form it already shows carries the old one."""
    return redirect("/_favicon.ico", code=301)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    if not current_user.is_authenticated:
        return redirect("/login")
    # A link from one of our own pages (or a typed URL) signs out at once; a request from
    # elsewhere must confirm with the CSRF-protected form, so another site cannot sign users out.
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if request.method == "POST" and not csrf.valid(request.form.get(csrf.FIELD)):
        return _form(None, error="This form expired; sign out again.", status=400, template="auth/logout.html")
    if request.method == "GET" and fetched_from not in ("same-origin", "none"):
        return _form(None, template="auth/logout.html")
    runtime = current_app.extensions["auth"]
    runtime.record("sign_out")
    runtime.sessions.end(current_user.token)
    logout_user()
    session.clear()
    return redirect("/login?signed_out=1")


def _form(target: str | None, *, username: str = "", error: str | None = None, notice: str | None = None,
          status: int = 200, template: str = "auth/login.html") -> Response:
    runtime = current_app.extensions["auth"]
    body = render_template(
        template, title="Sign out" if template.endswith("logout.html") else "Sign in", app_title=runtime.app_title,
        csrf_token=csrf.token(), next=target or "/", username=username or getattr(current_user, "username", ""),
        error=error, notice=notice,
    )
    return current_app.response_class(body, status=status)
