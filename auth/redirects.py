"""Where to go after signing in: a local path only, never another site."""

from __future__ import annotations

from urllib.parse import urlsplit

HOME = "/"
_MAX_LENGTH = 2000


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else "/".

    >>> safe_next("/audit?range=7d"), safe_next("//evil.example"), safe_next("https://evil.example/")
    ('/audit?range=7d', '/', '/')
    >>> safe_next("/\\\\evil.example"), safe_next("/login")
    ('/', '/')
    """
    if not target or len(target) > _MAX_LENGTH or not target.startswith("/"):
        return HOME
    # Browsers read "/\\host" and "//host" as another site; control characters can hide either.
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return HOME
    if parts.path in ("/login", "/logout"):
        return HOME
    return target
