"""Light and dark themes: the shell's toggle, remembered per user in the app database.

The theme is Bootstrap's `data-bs-theme` on <html>. The server writes the signed-in user's saved
theme into the page it serves (no flash of the other theme, and the one place it is read), and a
toggle saves the new choice,
so it follows the user to any browser. Until a user chooses, the system's preference applies.
Charts are transparent and take their text colour from CSS, so no figure is rebuilt on a change.
"""

from __future__ import annotations

from dash import Input, Output, State, callback, clientside_callback, no_update
from werkzeug.exceptions import BadRequest

import auth
from store import get_database
from store.preferences import Preferences

# Apply the theme: a toggle's choice, else the one the page was served with, else the system's;
# and label the toggle.
clientside_callback(
    """(chosen) => {
        const served = document.documentElement.getAttribute("data-bs-theme");
        const theme = chosen || served || (window.matchMedia
            && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
        document.documentElement.setAttribute("data-bs-theme", theme);
        return theme === "dark" ? "☀ Light" : "☾ Dark";
    }""",
    Output("theme-toggle", "children"),
    Input("theme", "data"),
)

# A click switches away from whatever is showing.
clientside_callback(
    """(n) => document.documentElement.getAttribute("data-bs-theme") === "dark" ? "light" : "dark" """,
    Output("theme", "data"),
    Input("theme-toggle", "n_clicks"),
    prevent_initial_call=True,
)


@callback(Output("theme-saved", "data"), Input("theme", "data"), State("theme-saved", "data"),
          prevent_initial_call=True)
def save_theme(theme, saved):
    principal = auth.current_principal()
    if theme == saved or principal is auth.ANONYMOUS:
        return no_update
    try:
        Preferences(get_database()).set(principal.user_id, "theme", theme)
    except ValueError as err:  # only a crafted request sends another value
        raise BadRequest(f"unknown theme: {err}") from None
    return theme


def themed_index(html: str, user_id: str | None) -> str:
    """The app's HTML page with the user's saved theme (if they chose one) already on <html>."""
    theme = Preferences(get_database()).get(user_id, "theme") if user_id else None
    return html.replace("<html>", f'<html data-bs-theme="{theme}">', 1) if theme else html
