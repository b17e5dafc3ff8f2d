"""The request guard: every route is checked here before it runs.

- open: /login, /health, /assets/..., Dash's component bundles and favicon;
- anonymous: Dash's API (/_dash-layout, /_dash-dependencies, /_dash-update-component) answers 401,
  anything else redirects to /login?next=...;
- signed in without the permission a page, callback or route needs (see `auth.access`): 403,
  however the request was made;
- a POST from another origin: 403.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Response, current_app, jsonify, redirect, render_template, request
from flask_login import current_user

from auth import roles
from auth.access import BadRequest, Need

OPEN_ENDPOINTS = frozenset({"auth.login", "auth.favicon", "health", "_dash_assets.static"})
_DASH_STATIC = ("_dash-component-suites/", "_favicon.ico")
_DASH_API = ("_dash-layout", "_dash-dependencies", "_dash-update-component", "_reload-hash")
_SIGNED_IN_ONLY = frozenset({"auth.logout"})


def classify(rule: str, endpoint: str, prefix: str) -> str:
    """"open", "api" (Dash's JSON endpoints), "page" (Dash's page routes) or "route" (any other)."""
    if endpoint in OPEN_ENDPOINTS:
        return "open"
    local = rule[len(prefix):] if rule.startswith(prefix) else None
    if local is not None and local.startswith(_DASH_STATIC):
        return "open"
    if local is not None and local.startswith(_DASH_API):
        return "api"
    if local in ("", "<path:path>"):
        return "page"
    return "route"


def check() -> Response | None:
    """The before_request hook: None lets the request through, anything else answers it."""
    if request.url_rule is None:
        return None  # Flask answers 404/405 itself; there is nothing to protect
    runtime = current_app.extensions["auth"]
    kind = classify(request.url_rule.rule, request.endpoint or "", runtime.prefix)
    if kind == "open":
        return None
    if request.method == "POST" and not _same_origin():
        return _deny(403, "cross-site requests are refused", api=True)
    if not current_user.is_authenticated:
        if kind == "api":
            return _deny(401, "sign in required", api=True)
        return redirect("/login?" + urlencode({"next": _here()}))
    try:
        need = _need(runtime, kind)
    except BadRequest as err:
        return _deny(400, str(err), api=True)
    missing = sorted(p for p in need.permissions if not roles.allows(current_user.role, p))
    if missing:
        runtime.record("access_denied", outcome="denied", path=need.page_path or request.path,
                       permission=",".join(missing))
        return _deny(403, "you do not have access to this", api=kind == "api")
    if kind == "api" and need.page_path is not None:
        runtime.record("page_view", path=need.page_path)  # Dash's page router is rendering it
    return None


def _need(runtime, kind: str) -> Need:
    if kind == "api" and request.url_rule.rule.endswith("_dash-update-component"):
        return runtime.access.callback(request.get_json(silent=True))
    if kind == "api" or request.endpoint in _SIGNED_IN_ONLY:
        return Need(frozenset({roles.DASHBOARDS}))
    if kind == "page":
        return runtime.access.page(request.path)
    return runtime.access.route(request.endpoint or "")


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    return urlsplit(origin).netloc == request.host


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + ("?" + query if query else "")


def _deny(status: int, message: str, *, api: bool) -> Response:
    if api:
        response = jsonify(error=message)
    else:
        titles = {400: "Bad request", 403: "Not allowed"}
        response = current_app.response_class(render_template(
            "auth/message.html", title=titles.get(status, "Error"), message=message[:1].upper() + message[1:] + ".",
            app_title=current_app.extensions["auth"].app_title,
        ))
    response.status_code = status
    return response
