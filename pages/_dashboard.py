"""What every dashboard page shares: its view state and the filter bar's callbacks.

`wire_filter_bar("overview")` registers, for the controls built by `components.filter_bar`:
- preset <-> date picker (choosing dates switches the preset to "custom");
- the tenant options the signed-in user may pick from;
- the URL: the canonical query string is written with history.replaceState, so the address bar
  always reopens the current view without the page router re-rendering it;
- "copy link".
"""

from __future__ import annotations

import datetime as dt
import logging

from dash import Input, Output, State, callback, clientside_callback, ctx, no_update

from auth import current_principal
from components import view_state
from queries import QueryError, get_service, run

log = logging.getLogger(__name__)


def anchor_day() -> dt.date:
    """The last day with data; today when the engine cannot be reached (a layout never fails)."""
    try:
        return get_service().engine.latest_day()
    except QueryError:
        return dt.datetime.now(dt.UTC).date()


def filter_inputs(page: str) -> list[Input]:
    return [
        Input(f"{page}-range", "value"),
        Input(f"{page}-dates", "start_date"),
        Input(f"{page}-dates", "end_date"),
        Input(f"{page}-channel", "value"),
        Input(f"{page}-tenant", "value"),
    ]


def state_from_controls(preset, start, end, channels, tenants) -> tuple[view_state.ViewState, list[str]]:
    return view_state.from_values(
        preset=preset, start=start, end=end, channels=channels, tenants=tenants, anchor=anchor_day()
    )


def wire_filter_bar(page: str) -> None:
    @callback(
        Output(f"{page}-range", "value"),
        Output(f"{page}-dates", "start_date"),
        Output(f"{page}-dates", "end_date"),
        Input(f"{page}-range", "value"),
        Input(f"{page}-dates", "start_date"),
        Input(f"{page}-dates", "end_date"),
        prevent_initial_call=True,
    )
    def _sync_dates(preset, start, end):
        if ctx.triggered_id == f"{page}-range":
            if preset not in view_state.PRESETS or preset == "custom":
                return no_update, no_update, no_update
            first, last = view_state.preset_range(preset, anchor_day())
            return no_update, first.isoformat(), last.isoformat()
        return "custom", no_update, no_update

    @callback(
        Output(f"{page}-tenant", "options"),
        Input(f"{page}-tenant", "id"),
        State(f"{page}-tenant", "value"),
    )
    def _tenant_options(_, chosen):
        try:
            tenants = run("tenant_list", current_principal(), source="page")
        except QueryError as err:
            log.warning("tenant list unavailable: %s", err)
            return [{"label": t, "value": t} for t in chosen or []]
        return [{"label": f"{row.name} ({row.tenant_id})", "value": row.tenant_id}
                for row in tenants.itertuples()]

    clientside_callback(
        """(search) => {
            if (typeof search === "string" && window.location.search !== search) {
                window.history.replaceState(null, "", window.location.pathname + search);
            }
            return window.dash_clientside.no_update;
        }""",
        Input(f"{page}-url", "data"),
        prevent_initial_call=True,
    )

    clientside_callback(
        "(n) => window.location.href",
        Output(f"{page}-copy-link", "content"),
        Input(f"{page}-copy-link", "n_clicks"),
        prevent_initial_call=True,
    )
