"""The frame around every page: navigation bar built from the page registry, and the page slot."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

APP_TITLE = "AI Assistant Analytics"


def shell() -> html.Div:
    """Built per request (the app layout is this function), so nav reflects registered pages."""
    return html.Div(
        [
            navbar(_nav_pages()),
            dbc.Container(dash.page_container, fluid=True, className="page-body py-3"),
            dbc.Toast(id="global-error", header="Something went wrong", icon="danger",
                      is_open=False, dismissable=True, duration=8000, className="global-error"),
        ]
    )


def navbar(pages: list[dict]) -> dbc.Navbar:
    links = [dbc.NavItem(dbc.NavLink(p["name"], href=p["relative_path"], active="exact")) for p in pages]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(APP_TITLE, href="/", className="fw-semibold"),
                dbc.NavbarToggler(id="nav-toggle"),
                dbc.Collapse(dbc.Nav(links, navbar=True), id="nav-collapse", navbar=True),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="app-navbar",
    )


def _nav_pages() -> list[dict]:
    return [p for p in dash.page_registry.values() if p.get("nav", True)]
