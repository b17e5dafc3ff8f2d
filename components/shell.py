"""The frame around every page: navigation, theme toggle, the page slot, and the long-query bar."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

APP_TITLE = "AI Assistant Analytics"


def shell(pages: list[dict], user: str | None = None) -> html.Div:
    """The app around the page slot. `pages`: the page registry entries to link to (those the user
    may open); `user`: who is signed in, for the sign-out link."""
    return html.Div(
        [
            navbar([p for p in pages if p.get("nav", True)], user),
            dbc.Container(dash.page_container, fluid=True, className="page-body py-3"),
            jobs_bar(),
            # The long-query monitor lives here, not in a page, so leaving a page mid-query
            # never leaves a background callback writing to components that are gone.
            dcc.Store(id="jobs-pending"),
            dcc.Store(id="jobs-done"),
            dcc.Store(id="theme"),  # a toggle's choice (the saved one comes on <html>)
            dcc.Store(id="theme-saved"),
            dbc.Toast(id="global-error", header="Something went wrong", icon="danger",
                      is_open=False, dismissable=True, duration=8000, className="global-error"),
        ]
    )


def navbar(pages: list[dict], user: str | None = None) -> dbc.Navbar:
    links = [dbc.NavItem(dbc.NavLink(p["name"], href=p["relative_path"], active="exact")) for p in pages]
    account = []
    if user:
        # external_link: a full request, so Dash's router does not swallow it
        account = [dbc.NavLink(f"Sign out ({user})", href="/logout", external_link=True,
                               className="sign-out small ms-xl-2")]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(APP_TITLE, href="/", className="fw-semibold"),
                dbc.NavbarToggler(id="nav-toggle"),
                dbc.Collapse(
                    [dbc.Nav(links, navbar=True, className="me-auto"),
                     dbc.Button("☾ Dark", id="theme-toggle", size="sm", color="secondary", outline=True,
                                className="theme-toggle", title="Switch between light and dark"),
                     *account],
                    id="nav-collapse", navbar=True),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand="xl",  # the links fit on one line from 1200 px; a menu button below
        className="app-navbar",
    )


def jobs_bar() -> html.Div:
    """Progress of queries still running, with Cancel; shown by the monitor while it runs."""
    return html.Div(
        [
            dbc.Spinner(size="sm", spinner_class_name="me-2"),
            html.Span(id="jobs-progress-text", className="jobs-text"),
            dbc.Button("Cancel", id="jobs-cancel", size="sm", color="warning", className="ms-3"),
        ],
        id="jobs-bar",
        className="jobs-bar",
        role="status",
    )
