"""One module per page (dash.register_page). Modules starting with `_` are shared helpers."""
