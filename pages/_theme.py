"""Light and dark themes: the shell's toggle, remembered in the browser's local storage.

The theme is Bootstrap's `data-bs-theme` on <html>; charts are transparent and take their text
colour from CSS, so no figure is rebuilt when the theme changes.
"""

from __future__ import annotations

from dash import Input, Output, State, clientside_callback

# On load (and on each toggle) apply the remembered theme; the first visit follows the system.
clientside_callback(
    """(n, stored) => {
        let theme = stored;
        if (!theme) {
            theme = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
        }
        if (n) { theme = theme === "dark" ? "light" : "dark"; }
        document.documentElement.setAttribute("data-bs-theme", theme);
        return [theme, theme === "dark" ? "☀ Light" : "☾ Dark"];
    }""",
    Output("theme", "data"),
    Output("theme-toggle", "children"),
    Input("theme-toggle", "n_clicks"),
    State("theme", "data"),
)
