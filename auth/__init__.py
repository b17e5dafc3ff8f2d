"""Who is signed in. Until sign-in exists every request runs as the local demo admin."""

from __future__ import annotations

from queries import LOCAL_DEMO, Principal


def current_principal() -> Principal:
    return LOCAL_DEMO
