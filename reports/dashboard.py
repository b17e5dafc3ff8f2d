"""A dashboard page's PDF report: its KPIs and every chart for the view in a URL query string.

The page's own declaration (the `PAGE` DashboardPage in its module) says what to run and how to
draw it, so the report shows what the page shows: same queries, same tenant scope, same figures.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from typing import Any

import dash

from components import format as fmt
from components.view_state import from_query
from pages._dashboard import ChartInput, DashboardPage, option_values
from queries import Principal, get_service
from queries.service import asked_from
from reports.pdf import PageReport


class NotADashboard(LookupError):
    """The path names no page with a printable dashboard (a 404)."""


def dashboard_for(path: str) -> tuple[dict, DashboardPage]:
    """(the page registry entry, its DashboardPage) for a URL path such as "/models"."""
    for page in dash.page_registry.values():
        if page["path"] == path:
            spec = getattr(sys.modules.get(page["module"]), "PAGE", None)
            if isinstance(spec, DashboardPage):
                return page, spec
    raise NotADashboard(f"no dashboard page at {path!r}")


def page_report(spec: DashboardPage, query: Mapping[str, Any], principal: Principal) -> PageReport:
    """Run the page's queries for `principal` and the view in `query`; raises QueryError."""
    with asked_from(spec.page):  # the history counts the report's queries against its page
        return _report(spec, query, principal)


def _report(spec: DashboardPage, query: Mapping[str, Any], principal: Principal) -> PageReport:
    service = get_service()
    state, _ = from_query(query, service.engine.latest_day())
    chosen, _ = option_values(spec, query)
    filters = state.filters()
    now = service.run(spec.kpi_query, principal, filters=filters, source="page")
    before = service.run(spec.kpi_query, principal, filters=state.comparison_filters(), source="page")
    kpis = []
    for kpi in spec.kpis:
        value = now[kpi.column].iloc[0] if len(now) else None
        change = fmt.change(value, before[kpi.column].iloc[0] if len(before) else None)
        shown = kpi.formatter(value) + ("" if change is None else f" ({'+' if change >= 0 else ''}{change:.1%})")
        kpis.append((kpi.label, shown))
    charts = []
    for chart in spec.charts:
        if chart.kind != "graph":
            continue
        frames = {q.name: service.run(q.name, principal, filters=q.filters(filters), source="page", **dict(q.params))
                  for q in chart.queries}
        charts.append((chart.title, chart.build(ChartInput(frames, state, chosen.get(chart.key, {})))))
    described = [("Dates", f"{state.start} to {state.end}"), ("Compared with", state.compare.replace("_", " "))]
    described += [(label, ", ".join(values)) for label, values in (
        ("Channels", state.channels), ("Tenants", state.tenants), ("Interaction types", state.interaction_types),
        ("Specialties", state.specialties), ("Model versions", state.model_versions)) if values]
    return PageReport(title=spec.title, filters=described, kpis=kpis, charts=charts,
                      generated_by=principal.user_id, generated_at=dt.datetime.now(dt.UTC))
