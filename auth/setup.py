"""`init_app(app, settings)`: install sign-in, the guard, security headers and the audit log."""

from __future__ import annotations

import datetime as dt
import logging

import dash
from werkzeug.middleware.proxy_fix import ProxyFix

from auth import access, demo, guard, headers, login
from auth.identity import request_identity
from auth.production import refuse_unsafe
from auth.runtime import AuthRuntime, app_prefix
from auth.sessions import SessionStore
from auth.throttle import Limits, LoginThrottle
from auth.users import UserDirectory
from queries.service import subscribe
from settings import Settings
from store import AuditLog, Database, set_database
from store.audit import configure_json_log

log = logging.getLogger(__name__)

# The runtime of the app this process serves, for code outside a request (background callbacks).
RUNTIME: AuthRuntime | None = None


def init_app(app: dash.Dash, settings: Settings) -> AuthRuntime:
    """Protect every route of `app`. Raises UnsafeConfiguration for unsafe production settings."""
    global RUNTIME
    users = UserDirectory(settings.resolved_users_file)
    if settings.engine == "duckdb" and settings.app_env == "development" and settings.demo_users:
        demo.seed(users)
    refuse_unsafe(settings, users)
    demo.announce(users)
    if not users.all():
        log.warning("No users in %s: add one with `python -m auth users add NAME --role admin`.", users.path)
    access.check_registry()

    db = Database(settings.resolved_app_db)
    set_database(db)
    configure_json_log(settings.audit_log_file)
    runtime = RUNTIME = AuthRuntime(
        users=users,
        sessions=SessionStore(db, settings.session_lifetime_minutes * 60),
        throttle=LoginThrottle(db, Limits(settings.login_max_failures_user, settings.login_max_failures_ip,
                                          settings.login_failure_window)),
        audit=AuditLog(db),
        access=access.Access(app),
        app_title=app.title,
        prefix=app_prefix(app),
    )
    server = app.server
    server.extensions["auth"] = runtime
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=settings.session_lifetime_minutes),
    )
    if settings.trusted_proxy_hops:
        hops = settings.trusted_proxy_hops
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    login.install(server, runtime)
    server.before_request(guard.check)
    server.after_request(headers.security_headers(app, https=settings.session_cookie_secure))
    dash.hooks.custom_data("auth")(request_identity)
    # Every query, named or ad hoc, cached or not, is audited. subscribe() attaches to whichever
    # service this process builds later (building one here would open DuckDB before gunicorn forks).
    subscribe(runtime.on_query)
    return runtime
