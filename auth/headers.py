"""Security headers on every response: a Content-Security-Policy as tight as Dash and Plotly allow.

Scripts: this origin plus the hashes of Dash's inline scripts (the renderer start-up and inline
clientside callbacks, `app.csp_hashes()`), so no other inline script runs. Styles need
'unsafe-inline': Plotly, AG Grid and React set style attributes and inject <style> elements.
"""

from __future__ import annotations

from collections.abc import Callable

import dash
from flask import Response, request

STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")


def csp(script_hashes: list[str]) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(app: dash.Dash, *, https: bool) -> Callable[[Response], Response]:
    """An after_request hook for `app`'s server. The policy is built on the first response, once
    every page has registered its clientside callbacks."""
    policy: list[str] = []

    def apply(response: Response) -> Response:
        if not policy:
            policy.append(csp(app.csp_hashes()))
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy[0])
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not request.path.startswith(STATIC_PREFIXES) and "Cache-Control" not in headers:
            # Pages and callback answers carry tenant data: never keep them in a shared cache.
            headers["Cache-Control"] = "no-store"
        return response

    return apply
