"""The Dash app and its Flask server.

    python app.py            serve on $HOST:$PORT (default 127.0.0.1:8050)
    gunicorn app:server      serve with gunicorn

On the embedded DuckDB engine the demo dataset is generated on first start.
"""

from __future__ import annotations

import logging

import dash
import diskcache
import flask
from dash import Dash, DiskcacheManager, Input, Output, State, set_props
from werkzeug.exceptions import Forbidden, HTTPException

import auth
from components.shell import APP_TITLE, shell
from exports import routes as export_routes
from pages import _theme
from queries import QueryError, get_service
from queries.service import subscribe
from settings import Settings, get_settings
from store.db import get_database
from store.history import QueryHistory

log = logging.getLogger("app")


def ensure_demo_data(settings: Settings) -> None:
    """Generate the demo dataset when the DuckDB engine has none yet."""
    if settings.engine != "duckdb":
        return
    from demo.generate import generate, read_manifest

    data_dir = settings.resolved_data_dir
    if read_manifest(data_dir) is None:
        log.warning("No demo dataset at %s: generating it (about 20 s, once)...", data_dir)
        generate(data_dir, seed=settings.demo_seed, scale=settings.demo_scale,
                 end_date=settings.demo_end_date, days=settings.demo_days)


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    ensure_demo_data(settings)
    # Background callbacks (long queries with progress and cancel) keep their state apart from
    # the result cache, so clearing one never disturbs the other.
    callbacks_cache = diskcache.Cache(str(settings.var_dir / "callbacks"))
    app = Dash(
        __name__,
        use_pages=True,
        title=APP_TITLE,
        update_title=None,
        compress=True,  # flask-compress: figures and layouts go gzip/brotli compressed
        on_error=_on_callback_error,
        background_callback_manager=DiskcacheManager(callbacks_cache),
        serve_locally=True,
        # Bootstrap first, then assets/style.css on top; served from here, never from a CDN.
        external_stylesheets=["/assets/vendor/bootstrap.min.css"],
        assets_ignore=r"vendor/.*",
    )
    app.layout = _shell
    _serve_saved_theme(app)
    # The phone-width menu button opens and closes the nav links.
    app.clientside_callback(
        "(n, open) => n ? !open : open",
        Output("nav-collapse", "is_open"),
        Input("nav-toggle", "n_clicks"),
        State("nav-collapse", "is_open"),
        prevent_initial_call=True,
    )
    server = app.server
    server.secret_key = settings.secret_key
    server.add_url_rule("/health", "health", _health)
    auth.init_app(app, settings)  # sign-in, the request guard, security headers, the audit log
    subscribe(QueryHistory(get_database()).record)  # every run lands in the query history
    export_routes.install(server, settings.export_row_limit)  # streamed CSV for large results
    return app


def _shell():
    """Per request: the navigation lists only the pages this user may open (the guard enforces it)."""
    user = _signed_in_user()
    pages = [p for p in dash.page_registry.values() if auth.may_open(p)]
    return shell(pages, user)


def _serve_saved_theme(app: Dash) -> None:
    """Each HTML page goes out with its user's saved theme on <html>, so it never flashes the other."""
    interpolate = app.interpolate_index
    app.interpolate_index = lambda **parts: _theme.themed_index(interpolate(**parts), _signed_in_user())


def _signed_in_user() -> str | None:
    principal = auth.current_principal()
    return None if principal is auth.ANONYMOUS else principal.user_id


def _on_callback_error(err: Exception) -> None:
    """Any error a callback did not handle: log it, tell the user plainly, never a traceback.

    A refusal keeps its status: a bad request stays a 400 and a missing permission a 403.
    """
    if isinstance(err, HTTPException):
        raise err
    if isinstance(err, auth.PermissionDenied):
        raise Forbidden(str(err)) from None
    log.exception("callback failed", exc_info=err)
    message = err.message if isinstance(err, QueryError) else "An unexpected error occurred; it has been logged."
    set_props("global-error", {"is_open": True, "children": message})


def _health():
    try:
        service = get_service()
        return flask.jsonify(status="ok", engine=service.engine.name, data_version=service.engine.data_version())
    except QueryError as err:
        return flask.jsonify(status="degraded", error=err.message), 503


def serve(settings: Settings | None = None) -> None:
    """`python app.py`: the app on HOST:PORT, served by waitress, a production WSGI server with a
    fixed thread pool and HTTP/1.1 keep-alive (Dash's development server opens a connection and
    a thread per request, about 1.5 ms more on every callback)."""
    from waitress import serve as waitress_serve

    settings = settings or get_settings()
    log.warning("Serving on http://%s:%d (Ctrl+C to stop)", settings.host, settings.port)
    # X-Forwarded-* are left for the app to judge: it trusts TRUSTED_PROXIES hops (ProxyFix), no more.
    waitress_serve(server, host=settings.host, port=settings.port, threads=settings.web_threads,
                   ident=None, clear_untrusted_proxy_headers=False, _quiet=True)


app = create_app()
server = app.server

if __name__ == "__main__":
    serve()
